using System.Globalization;
using Identity.Api.Tokens;
using StackExchange.Redis;

namespace Identity.Api.SharedState;

/// <summary>Cluster mode: re-authentication markers in Redis, so the patient may come back to any instance.</summary>
public sealed class RedisPromptLoginMarkers(IConnectionMultiplexer redis) : IPromptLoginMarkers
{
    public async ValueTask StartAsync(string requestKey, DateTimeOffset now)
    {
        try
        {
            await redis.GetDatabase().StringSetAsync(Key(requestKey), now.ToUnixTimeMilliseconds(), IPromptLoginMarkers.Lifetime);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw new SharedStateUnavailableException("The sign-in request could not be remembered in the shared state.", e);
        }
    }

    public async ValueTask<bool> IsSatisfiedByAsync(string requestKey, DateTimeOffset authTime)
    {
        try
        {
            var started = await redis.GetDatabase().StringGetAsync(Key(requestKey));
            return started.HasValue
                && IPromptLoginMarkers.Satisfies(DateTimeOffset.FromUnixTimeMilliseconds(long.Parse((string)started!, CultureInfo.InvariantCulture)), authTime);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw new SharedStateUnavailableException("The sign-in request could not be checked against the shared state.", e);
        }
    }

    private static string Key(string requestKey) => $"identityconsent:prompt-login:{requestKey}";
}
