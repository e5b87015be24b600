using System.Collections.Immutable;
using OpenIddict.Abstractions;

namespace Identity.Api.Tokens;

/// <summary>
/// The registered networks, kept in memory so authorize and token requests check resources and scopes without a
/// database round trip. Networks are stored as OpenIddict scopes (name = network scope, resource = network);
/// the admin API reloads the catalog after each change, and an unknown name triggers one reload (another API process
/// may have registered it).
/// </summary>
public sealed class NetworkCatalog(IServiceScopeFactory scopes)
{
    private NetworkList? _networks;
    private readonly SemaphoreSlim _loading = new(1, 1);
    private long _loadedAt = long.MinValue / 2;

    public async ValueTask<ImmutableArray<NetworkRegistration>> AllAsync(CancellationToken cancellationToken = default) =>
        _networks?.Items ?? await ReloadAsync(cancellationToken);

    public async ValueTask<NetworkRegistration?> FindByResourceAsync(string resource, CancellationToken cancellationToken = default) =>
        Find(await AllAsync(cancellationToken), n => n.Resource == resource)
        ?? Find(await ReloadIfStaleAsync(cancellationToken), n => n.Resource == resource);

    public async ValueTask<NetworkRegistration?> FindByScopeAsync(string scope, CancellationToken cancellationToken = default) =>
        Find(await AllAsync(cancellationToken), n => n.Scope == scope)
        ?? Find(await ReloadIfStaleAsync(cancellationToken), n => n.Scope == scope);

    public void Invalidate() => _networks = null;

    // Unknown names come from typos and probes too: reload at most once a second so they cannot load the database.
    private async ValueTask<ImmutableArray<NetworkRegistration>> ReloadIfStaleAsync(CancellationToken cancellationToken) =>
        Environment.TickCount64 - Interlocked.Read(ref _loadedAt) > 1000 ? await ReloadAsync(cancellationToken) : await AllAsync(cancellationToken);

    public async ValueTask<ImmutableArray<NetworkRegistration>> ReloadAsync(CancellationToken cancellationToken = default)
    {
        await _loading.WaitAsync(cancellationToken);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var manager = scope.ServiceProvider.GetRequiredService<IOpenIddictScopeManager>();
            var networks = ImmutableArray.CreateBuilder<NetworkRegistration>();
            await foreach (var entry in manager.ListAsync(count: null, offset: null, cancellationToken))
            {
                var resources = await manager.GetResourcesAsync(entry, cancellationToken);
                if (resources.Length == 1)
                {
                    networks.Add(new NetworkRegistration
                    {
                        Scope = (await manager.GetNameAsync(entry, cancellationToken))!,
                        Resource = resources[0],
                        Name = await manager.GetDisplayNameAsync(entry, cancellationToken) ?? resources[0],
                    });
                }
            }
            var loaded = networks.ToImmutable();
            Volatile.Write(ref _networks, new NetworkList(loaded));
            Interlocked.Exchange(ref _loadedAt, Environment.TickCount64);
            return loaded;
        }
        finally
        {
            _loading.Release();
        }
    }

    private sealed record NetworkList(ImmutableArray<NetworkRegistration> Items);

    private static NetworkRegistration? Find(ImmutableArray<NetworkRegistration> networks, Func<NetworkRegistration, bool> match)
    {
        foreach (var network in networks)
        {
            if (match(network))
            {
                return network;
            }
        }
        return null;
    }
}
