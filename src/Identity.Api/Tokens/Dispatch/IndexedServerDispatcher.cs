using Microsoft.Extensions.Options;
using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Identity.Api.Tokens.Dispatch;

/// <summary>
/// OpenIddict's server dispatcher with OpenIddict's semantics (<see cref="HandlerPlans.RunAsync"/>) but planned once per
/// event type (<see cref="HandlerPlans"/>): no scan of every descriptor and no DI lookup of singleton filters and handlers
/// for every event of every request. Measured in bench/RESULTS.md.
/// </summary>
public sealed class IndexedServerDispatcher(IOptionsMonitor<OpenIddictServerOptions> options, IServiceProvider scope, HandlerPlans plans)
    : IOpenIddictServerDispatcher
{
    public ValueTask DispatchAsync<TContext>(TContext context) where TContext : BaseContext
    {
        ArgumentNullException.ThrowIfNull(context);
        var current = options.CurrentValue;
        var plan = plans.For(current, typeof(TContext), () => current.Handlers.Select(d => (d.ContextType, d.FilterTypes, d.ServiceDescriptor)));
        return HandlerPlans.RunAsync(plan, context, scope,
            static (filter, c) => ((IOpenIddictServerHandlerFilter<TContext>)filter).IsActiveAsync(c),
            static (handler, c) => ((IOpenIddictServerHandler<TContext>)handler).HandleAsync(c),
            static c => c is BaseRequestContext { IsRequestHandled: true } or BaseRequestContext { IsRequestSkipped: true } or BaseValidatingContext { IsRejected: true });
    }
}
