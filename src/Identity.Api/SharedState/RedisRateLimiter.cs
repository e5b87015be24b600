using Identity.Api.Hosting;
using StackExchange.Redis;

namespace Identity.Api.SharedState;

/// <summary>
/// Cluster mode: the authentication rate limit (<see cref="RateLimitSettings"/>) counted across every API instance, one
/// Redis counter per client address and fixed window. When Redis cannot answer, the request is let through to the
/// per-instance limiter that always runs first (ASP.NET Core's, same limit), so limits degrade to per instance rather
/// than to none or to refusing everyone.
/// </summary>
public sealed partial class RedisRateLimiter(IConnectionMultiplexer redis, RateLimitSettings settings, TimeProvider time, ILogger<RedisRateLimiter> logger)
{
    // INCR, and start the window's expiry with its first request.
    private static readonly LuaScript Count = LuaScript.Prepare(
        "local n = redis.call('INCR', @key) if n == 1 then redis.call('PEXPIRE', @key, @window) end return n");

    /// <summary>Null when the request may go ahead; otherwise how long until the client's window ends.</summary>
    public async ValueTask<TimeSpan?> TryAcquireAsync(string policy, string partition)
    {
        var window = TimeSpan.FromSeconds(Math.Max(1, settings.WindowSeconds));
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var index = now / (long)window.TotalMilliseconds;
        var key = $"identityconsent:rate:{policy}:{partition}:{index}";
        try
        {
            var count = (long)await redis.GetDatabase().ScriptEvaluateAsync(Count, new { key = (RedisKey)key, window = (long)window.TotalMilliseconds });
            return count <= settings.PermitLimit ? null : TimeSpan.FromMilliseconds((index + 1) * (long)window.TotalMilliseconds - now);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            LogFallback(e.GetType().Name);
            return null;
        }
    }

    [LoggerMessage(4201, LogLevel.Warning, "Shared rate limit unavailable ({Error}); the per-instance limit applies")]
    private partial void LogFallback(string error);
}
