using Identity.Api.Hosting;
using Microsoft.AspNetCore.Diagnostics;

namespace Identity.Api.SharedState;

/// <summary>Turns <see cref="SharedStateUnavailableException"/> into 503 <c>shared_state_unavailable</c> with Retry-After.</summary>
public sealed class SharedStateUnavailableHandler : IExceptionHandler
{
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!IsSharedStateOutage(exception))
        {
            return false;
        }
        await Problems.Create(StatusCodes.Status503ServiceUnavailable, "shared_state_unavailable",
            "A shared service is unavailable, so nothing was done; try again shortly.", retryAfter: RetryAfter).ExecuteAsync(httpContext);
        return true;
    }

    // Data Protection reaches Redis for its key ring too, and wraps what goes wrong there.
    private static bool IsSharedStateOutage(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is SharedStateUnavailableException or StackExchange.Redis.RedisException)
            {
                return true;
            }
        }
        return false;
    }
}
