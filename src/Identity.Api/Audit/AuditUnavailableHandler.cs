using Identity.Api.Hosting;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Options;

namespace Identity.Api.Audit;

/// <summary>Turns <see cref="AuditUnavailableException"/> from any endpoint into 503 <c>audit_unavailable</c> with Retry-After.</summary>
public sealed class AuditUnavailableHandler(IOptions<AuditSettings> settings) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not AuditUnavailableException)
        {
            return false;
        }
        await Problems.Create(StatusCodes.Status503ServiceUnavailable, "audit_unavailable",
            "The audit trail is unavailable, so nothing was done; try again shortly.",
            retryAfter: TimeSpan.FromSeconds(settings.Value.RetryAfterSeconds)).ExecuteAsync(httpContext);
        return true;
    }
}
