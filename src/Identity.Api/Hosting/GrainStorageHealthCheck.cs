using Identity.Grains.Patients;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Identity.Api.Hosting;

/// <summary>
/// Ready when a grain can be activated and its state read from storage: a fresh random patient id
/// forces a new activation and a storage read on every probe.
/// </summary>
public sealed class GrainStorageHealthCheck(IGrainFactory grains) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var probe = await grains.GetGrain<IPatientGrain>(Guid.NewGuid()).GetAsync().WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
            return probe is null ? HealthCheckResult.Healthy() : HealthCheckResult.Degraded("A random patient id unexpectedly exists.");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("Grain storage is not reachable.", e);
        }
    }
}
