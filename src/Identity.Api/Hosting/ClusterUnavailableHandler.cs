using System.Data.Common;
using Microsoft.AspNetCore.Diagnostics;
using Orleans.Runtime.Messaging;
using Orleans.Serialization;

namespace Identity.Api.Hosting;

/// <summary>
/// Turns a transient failure of the back end into 503 with Retry-After instead of a bare 500: PostgreSQL unreachable
/// (<c>storage_unavailable</c>, also when the grain that failed ran on another silo and its Npgsql exception arrives as
/// Orleans' fallback exception) or the silo holding a grain gone before the cluster noticed (<c>cluster_unavailable</c>).
/// A grain writes its state before it answers and keeps no change it could not write, so retrying is safe.
/// </summary>
public sealed partial class ClusterUnavailableHandler(ILogger<ClusterUnavailableHandler> logger) : IExceptionHandler
{
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(2);

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var code = Classify(exception);
        if (code is null)
        {
            return false;
        }
        LogUnavailable(code, exception.GetType().Name);
        await Problems.Create(StatusCodes.Status503ServiceUnavailable, code,
            "The service could not reach its storage or cluster; the change was not confirmed. Try again shortly.",
            retryAfter: RetryAfter).ExecuteAsync(httpContext);
        return true;
    }

    /// <summary><c>storage_unavailable</c>, <c>cluster_unavailable</c>, or null when the exception is not a back-end outage.</summary>
    public static string? Classify(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception.GetType().Assembly == typeof(ClusterUnavailableHandler).Assembly)
            {
                // This service's own exceptions (audit_unavailable, shared_state_unavailable, …) have their own handlers and promises.
                return null;
            }
            switch (exception)
            {
                case DbException:
                case UnavailableExceptionFallbackException { ExceptionType: { } type } when type.StartsWith("Npgsql.", StringComparison.Ordinal):
                    return "storage_unavailable";
                // The silo that hit PostgreSQL's error could not serialize it back to this one.
                case CodecNotFoundException when exception.Message.Contains("Npgsql.", StringComparison.Ordinal):
                    return "storage_unavailable";
                case SiloUnavailableException:
                case OrleansMessageRejectionException:
                case ConnectionFailedException:
                case GatewayTooBusyException:
                    return "cluster_unavailable";
            }
        }
        return null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Answered 503 {Code}: {Exception}")]
    private partial void LogUnavailable(string code, string exception);
}
