using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;

namespace Identity.Api.Tokens.Dispatch;

/// <summary>
/// Which handlers each OpenIddict event runs, in descriptor order, worked out once per options instance (OpenIddict's own
/// dispatchers scan every registered descriptor and resolve every filter from DI for every event of every request).
/// Shared by <see cref="IndexedServerDispatcher"/> and <see cref="IndexedValidationDispatcher"/>; a new options instance
/// (reloaded configuration) gets new plans.
/// </summary>
public sealed class HandlerPlans(IServiceProvider root, RegisteredLifetimes lifetimes)
{
    private readonly ConditionalWeakTable<object, ConcurrentDictionary<Type, PlannedHandler[]>> _plans = [];

    /// <param name="options">The OpenIddict options the descriptors come from (the cache key).</param>
    /// <param name="contextType">The event.</param>
    /// <param name="descriptors">Every descriptor, in the order OpenIddict sorted them: context type, filter types, service.</param>
    public PlannedHandler[] For(object options, Type contextType, Func<IEnumerable<(Type ContextType, ImmutableArray<Type> FilterTypes, ServiceDescriptor Service)>> descriptors) =>
        _plans.GetValue(options, _ => new()).GetOrAdd(contextType, type =>
            [.. descriptors().Where(d => d.ContextType == type).Select(d => new PlannedHandler(
                d.Service.ServiceType,
                d.Service.ImplementationInstance ?? Singleton(d.Service.ServiceType),
                d.FilterTypes,
                [.. d.FilterTypes.Select(Singleton)]))]);

    /// <summary>
    /// Runs an event's plan as OpenIddict's dispatchers do: each handler only when all its filters say so (filters evaluated
    /// just before their handler, so they see what earlier handlers did), stopping as soon as <paramref name="stops"/> says
    /// the request was handled or skipped or the context rejected.
    /// </summary>
    public static async ValueTask RunAsync<TContext>(PlannedHandler[] plan, TContext context, IServiceProvider scope,
        Func<object, TContext, ValueTask<bool>> isActive, Func<object, TContext, ValueTask> handle, Func<TContext, bool> stops)
    {
        foreach (var planned in plan)
        {
            var active = true;
            for (var i = 0; active && i < planned.FilterTypes.Length; i++)
            {
                active = await isActive(planned.Filters[i] ?? Resolve(scope, planned.FilterTypes[i]), context);
            }
            if (!active)
            {
                continue;
            }
            await handle(planned.Handler ?? Resolve(scope, planned.HandlerType), context);
            if (stops(context))
            {
                return;
            }
        }
    }

    private static object Resolve(IServiceProvider scope, Type type) =>
        scope.GetService(type) ?? throw new InvalidOperationException($"The OpenIddict handler or filter {type} is not registered.");

    private object? Singleton(Type type) =>
        lifetimes.IsSingleton(type) ? root.GetService(type) ?? throw new InvalidOperationException($"{type} is registered but could not be resolved.") : null;
}
