namespace Identity.Api.Tokens.Dispatch;

/// <summary>The lifetime DI resolves each service type with (the last registration wins, as for <c>GetService</c>).</summary>
public sealed class RegisteredLifetimes(IServiceCollection services)
{
    private readonly Lazy<IReadOnlyDictionary<Type, ServiceLifetime>> _lifetimes = new(() =>
    {
        var lifetimes = new Dictionary<Type, ServiceLifetime>();
        foreach (var service in services.Where(s => !s.IsKeyedService))
        {
            lifetimes[service.ServiceType] = service.Lifetime;
        }
        return lifetimes;
    });

    public bool IsSingleton(Type type) => _lifetimes.Value.TryGetValue(type, out var lifetime) && lifetime == ServiceLifetime.Singleton;
}
