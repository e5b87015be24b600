using Microsoft.EntityFrameworkCore;

namespace Identity.Api.Tokens;

/// <summary>
/// Serializes the seeding of configured networks and clients between API instances that start together: without it two
/// would both find a client missing, both insert it, and the second would fail on the unique client id (or scope name)
/// and stop. On PostgreSQL a session-level advisory lock on the token store's connection, held until disposed or until
/// the connection drops with its process; an embedded SQLite store belongs to one process and needs none.
/// </summary>
public sealed class ConfigurationSeedLock : IAsyncDisposable
{
    /// <summary>The advisory lock's key: "IdCoSeed" in ASCII, so that it can be told apart in <c>pg_locks</c>.</summary>
    public const long Key = 0x4964436F53656564;

    private readonly TokenDbContext? _database;

    private ConfigurationSeedLock(TokenDbContext? database) => _database = database;

    /// <summary>Waits until no other instance seeds this token store, then holds the lock until disposed.</summary>
    public static async Task<ConfigurationSeedLock> AcquireAsync(TokenDbContext database, CancellationToken cancellationToken)
    {
        if (database is not PostgresTokenDbContext)
        {
            return new ConfigurationSeedLock(null);
        }
        await database.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await database.Database.ExecuteSqlAsync($"SELECT pg_advisory_lock({Key})", cancellationToken);
        }
        catch
        {
            await database.Database.CloseConnectionAsync();
            throw;
        }
        return new ConfigurationSeedLock(database);
    }

    public async ValueTask DisposeAsync()
    {
        if (_database is null)
        {
            return;
        }
        try
        {
            await _database.Database.ExecuteSqlAsync($"SELECT pg_advisory_unlock({Key})");
        }
        finally
        {
            await _database.Database.CloseConnectionAsync();
        }
    }
}
