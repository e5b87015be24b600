using Microsoft.EntityFrameworkCore;

namespace Identity.Api.Tokens;

/// <summary>
/// Applies the token store's migrations, then seeds the configured networks and clients (Tokens:Networks, Tokens:Clients)
/// under <see cref="ConfigurationSeedLock"/>, so that API instances starting together each find or update what another
/// inserted instead of inserting it twice.
/// </summary>
public sealed partial class TokenStoreInitializer(IServiceProvider services, TokenSettings settings, ILogger<TokenStoreInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var database = scope.ServiceProvider.GetRequiredService<TokenDbContext>();
        await database.Database.MigrateAsync(cancellationToken);

        foreach (var client in settings.Clients)
        {
            if (ClientRegistry.Problem(client) is { } problem)
            {
                throw new InvalidOperationException($"Tokens:Clients entry '{client.ClientId}': {problem}");
            }
        }
        var registry = scope.ServiceProvider.GetRequiredService<ClientRegistry>();
        await using (await ConfigurationSeedLock.AcquireAsync(database, cancellationToken))
        {
            foreach (var network in settings.Networks)
            {
                await registry.UpsertNetworkAsync(network, cancellationToken);
            }
            foreach (var client in settings.Clients)
            {
                await registry.UpsertAsync(client, cancellationToken);
            }
        }
        await scope.ServiceProvider.GetRequiredService<NetworkCatalog>().ReloadAsync(cancellationToken);
        LogSeeded(logger, settings.Networks.Count, settings.Clients.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Token store ready: {Networks} networks and {Clients} clients from configuration")]
    private static partial void LogSeeded(ILogger logger, int networks, int clients);
}
