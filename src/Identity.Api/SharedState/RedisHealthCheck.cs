using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Identity.Api.SharedState;

/// <summary>Ready only while Redis answers: without it passkey ceremonies are refused (challenges cannot be checked).</summary>
public sealed class RedisHealthCheck(IConnectionMultiplexer redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await redis.GetDatabase().PingAsync().WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("Redis is not reachable.", e);
        }
    }
}
