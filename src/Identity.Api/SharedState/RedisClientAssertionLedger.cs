using Identity.Api.Tokens;
using StackExchange.Redis;

namespace Identity.Api.SharedState;

/// <summary>Cluster mode: a used client assertion is a Redis key that lives until the assertion expires (SET NX PX).</summary>
public sealed class RedisClientAssertionLedger(IConnectionMultiplexer redis, TimeProvider time) : IClientAssertionLedger
{
    public async ValueTask<bool> TryUseAsync(string key, DateTimeOffset forgetAfter)
    {
        var lifetime = forgetAfter - time.GetUtcNow();
        if (lifetime <= TimeSpan.Zero)
        {
            return false;
        }
        try
        {
            return await redis.GetDatabase().StringSetAsync($"identityconsent:client-assertion:{key}", 1, lifetime, When.NotExists);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw new SharedStateUnavailableException("The client assertion could not be checked against the shared ledger.", e);
        }
    }
}
