namespace Identity.Api.Audit;

/// <summary>
/// Installs the audit schema at start-up. A store that is down then does not stop the service: audited operations
/// answer 503 until it is back, and the schema is installed before the first write that succeeds.
/// </summary>
public sealed partial class AuditSchemaInstaller(AuditStore store, ILogger<AuditSchemaInstaller> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await store.EnsureSchemaAsync(cancellationToken);
        }
        catch (AuditUnavailableException)
        {
            LogDeferred(store.Description);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(2010, LogLevel.Warning, "Audit store {Database} is unavailable at start-up; audited operations answer 503 until it is back")]
    private partial void LogDeferred(string database);
}
