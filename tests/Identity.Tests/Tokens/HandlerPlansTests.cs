using System.Collections.Immutable;
using Identity.Api.Tokens.Dispatch;
using Microsoft.Extensions.DependencyInjection;

namespace Identity.Tests.Tokens;

/// <summary>The planned OpenIddict dispatch: order, filters, singletons resolved once, scoped services per scope, stopping.</summary>
public sealed class HandlerPlansTests
{
    [Fact]
    public async Task Plans_keep_order_resolve_singletons_once_and_scoped_services_per_scope()
    {
        var services = new ServiceCollection();
        services.AddSingleton<First>();
        services.AddScoped<Second>();
        services.AddSingleton<Always>();
        services.AddScoped<Never>();
        services.AddSingleton<Other>();
        services.AddSingleton(new RegisteredLifetimes(services));
        services.AddSingleton<HandlerPlans>();
        await using var root = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        var plans = root.GetRequiredService<HandlerPlans>();
        var options = new object();
        (Type, ImmutableArray<Type>, ServiceDescriptor)[] descriptors =
        [
            (typeof(Event), [typeof(Always)], ServiceDescriptor.Singleton<First, First>()),
            (typeof(OtherEvent), [], ServiceDescriptor.Singleton<Other, Other>()),
            (typeof(Event), [typeof(Never)], ServiceDescriptor.Scoped<Second, Second>()),
            (typeof(Event), [], ServiceDescriptor.Scoped<Second, Second>()),
        ];

        var plan = plans.For(options, typeof(Event), () => descriptors);

        Assert.Same(plan, plans.For(options, typeof(Event), () => throw new InvalidOperationException("planned once")));
        Assert.Equal([typeof(First), typeof(Second), typeof(Second)], plan.Select(p => p.HandlerType));
        Assert.Same(root.GetRequiredService<First>(), plan[0].Handler);
        Assert.Same(root.GetRequiredService<Always>(), plan[0].Filters[0]);
        Assert.Null(plan[1].Handler);
        Assert.Null(plan[1].Filters[0]);
        Assert.NotSame(plan, plans.For(new object(), typeof(Event), () => descriptors));

        await using var scope = root.CreateAsyncScope();
        var context = new Event();
        await HandlerPlans.RunAsync(plan, context, scope.ServiceProvider,
            static (filter, _) => ValueTask.FromResult(filter is Always),
            static (handler, c) => { c.Ran.Add(handler); return ValueTask.CompletedTask; },
            static c => c.Ran.Count == 2);
        // First ran; the second was filtered out; the third ran (the scope's Second) and then the event stopped.
        Assert.Equal(2, context.Ran.Count);
        Assert.Same(root.GetRequiredService<First>(), context.Ran[0]);
        Assert.Same(scope.ServiceProvider.GetRequiredService<Second>(), context.Ran[1]);
    }

    private sealed class Event
    {
        public List<object> Ran { get; } = [];
    }

    private sealed class OtherEvent;

    private sealed class First;

    private sealed class Second;

    private sealed class Always;

    private sealed class Never;

    private sealed class Other;
}
