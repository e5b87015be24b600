using Microsoft.Extensions.Options;
using OpenIddict.Validation;
using static OpenIddict.Validation.OpenIddictValidationEvents;

namespace Identity.Api.Tokens.Dispatch;

/// <summary>OpenIddict's validation dispatcher, planned once per event type like <see cref="IndexedServerDispatcher"/>.</summary>
public sealed class IndexedValidationDispatcher(IOptionsMonitor<OpenIddictValidationOptions> options, IServiceProvider scope, HandlerPlans plans)
    : IOpenIddictValidationDispatcher
{
    public ValueTask DispatchAsync<TContext>(TContext context) where TContext : BaseContext
    {
        ArgumentNullException.ThrowIfNull(context);
        var current = options.CurrentValue;
        var plan = plans.For(current, typeof(TContext), () => current.Handlers.Select(d => (d.ContextType, d.FilterTypes, d.ServiceDescriptor)));
        return HandlerPlans.RunAsync(plan, context, scope,
            static (filter, c) => ((IOpenIddictValidationHandlerFilter<TContext>)filter).IsActiveAsync(c),
            static (handler, c) => ((IOpenIddictValidationHandler<TContext>)handler).HandleAsync(c),
            static c => c is BaseRequestContext { IsRequestHandled: true } or BaseRequestContext { IsRequestSkipped: true } or BaseValidatingContext { IsRejected: true });
    }
}
