using Identity.Api.Passkeys;
using Identity.Api.Tokens;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using StackExchange.Redis;

namespace Identity.Api.SharedState;

/// <summary>
/// State that every API instance must share. With <c>ConnectionStrings:Redis</c> (cluster mode) it lives in Redis:
/// Data Protection keys (cookies work on any instance), single-use passkey challenges and client assertions,
/// re-authentication markers of authorization requests, the authentication rate limit counters and token state changes (revocations reach every instance's validity cache). Without it (embedded
/// mode) keys are files under <c>DataProtection:KeysDirectory</c> and challenges are remembered in memory.
/// </summary>
public static class SharedStateHostingExtensions
{
    public const string RedisConnectionName = "Redis";
    private const string DataProtectionKey = "identityconsent:data-protection-keys";

    public static IHostApplicationBuilder AddSharedState(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        var dataProtection = services.AddDataProtection().SetApplicationName("IdentityConsent");
        services.AddExceptionHandler<SharedStateUnavailableHandler>();
        var redisConnection = builder.Configuration.GetConnectionString(RedisConnectionName);
        if (string.IsNullOrWhiteSpace(redisConnection))
        {
            var keys = Path.Combine(builder.Environment.ContentRootPath, builder.Configuration["DataProtection:KeysDirectory"] ?? "data/keys");
            dataProtection.PersistKeysToFileSystem(Directory.CreateDirectory(keys));
            return builder;
        }

        var options = ConfigurationOptions.Parse(redisConnection);
        // Start and keep serving while Redis is down; the multiplexer reconnects by itself when it returns.
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 2_000;
        options.SyncTimeout = 2_000;
        options.AsyncTimeout = 2_000;
        var redis = ConnectionMultiplexer.Connect(options);
        services.AddSingleton<IConnectionMultiplexer>(redis);
        dataProtection.PersistKeysToStackExchangeRedis(redis, DataProtectionKey);
        services.Replace(ServiceDescriptor.Singleton<IPasskeyChallengeLedger, RedisPasskeyChallengeLedger>());
        services.AddSingleton<RedisRateLimiter>();
        services.Replace(ServiceDescriptor.Singleton<IClientAssertionLedger, RedisClientAssertionLedger>());
        services.Replace(ServiceDescriptor.Singleton<IPromptLoginMarkers, RedisPromptLoginMarkers>());
        services.AddSingleton<RedisTokenStateFanOut>();
        services.Replace(ServiceDescriptor.Singleton<ITokenStateFanOut>(provider => provider.GetRequiredService<RedisTokenStateFanOut>()));
        services.AddHostedService(provider => provider.GetRequiredService<RedisTokenStateFanOut>());
        services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis", tags: ["ready"]);
        return builder;
    }
}
