using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Identity.Api.Audit;

/// <summary>Ready only when the audit store answers: without it every audited operation fails.</summary>
public sealed class AuditStoreHealthCheck(AuditStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.EnsureSchemaAsync(cancellationToken);
            await store.SearchAsync(new AuditEventQuery { Count = 0 }, cancellationToken);
            return HealthCheckResult.Healthy(store.Description);
        }
        catch (AuditUnavailableException)
        {
            return HealthCheckResult.Unhealthy($"{store.Description} is unavailable.");
        }
    }
}
