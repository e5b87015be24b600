using Identity.Api.Apis;
using Identity.Api.SharedState;

namespace Identity.Api.Hosting;

/// <summary>
/// The authentication rate limit across instances (<see cref="RedisRateLimiter"/>, cluster mode), after the per-instance
/// one; with no Redis configured (embedded mode) there is one instance and nothing to add.
/// </summary>
public sealed class SharedRateLimitFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (http.RequestServices.GetService<RedisRateLimiter>() is { } limiter
            && await limiter.TryAcquireAsync(PasskeyApi.AuthenticationRateLimit, http.Connection.RemoteIpAddress?.ToString() ?? "unknown") is { } wait)
        {
            return Problems.RateLimited(wait);
        }
        return await next(context);
    }
}
