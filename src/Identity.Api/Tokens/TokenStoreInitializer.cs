using Microsoft.EntityFrameworkCore;

namespace Identity.Api.Tokens;

/// <summary>Applies the token store's migrations, then seeds the configured networks and clients (Tokens:Networks, Tokens:Clients).</summary>
public sealed partial class TokenStoreInitializer(IServiceProvider services, TokenSettings settings, ILogger<TokenStoreInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var database = scope.ServiceProvider.GetRequiredService<TokenDbContext>();
        await database.Database.MigrateAsync(cancellationToken);

        var registry = scope.ServiceProvider.GetRequiredService<ClientRegistry>();
        foreach (var network in settings.Networks)
        {
            await registry.UpsertNetworkAsync(network, cancellationToken);
        }
        foreach (var client in settings.Clients)
        {
            if (ClientRegistry.Problem(client) is { } problem)
            {
                throw new InvalidOperationException($"Tokens:Clients entry '{client.ClientId}': {problem}");
            }
            await registry.UpsertAsync(client, cancellationToken);
        }
        await scope.ServiceProvider.GetRequiredService<NetworkCatalog>().ReloadAsync(cancellationToken);
        LogSeeded(logger, settings.Networks.Count, settings.Clients.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Token store ready: {Networks} networks and {Clients} clients from configuration")]
    private static partial void LogSeeded(ILogger logger, int networks, int clients);
}
