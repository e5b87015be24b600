using Identity.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Identity.Tests.Audit;

/// <summary>An exclusive lock on a test service's audit database, as a stuck writer or a full disk would leave it.</summary>
internal sealed class AuditStoreLock : IAsyncDisposable
{
    private readonly SqliteConnection _connection;
    private bool _released;

    private AuditStoreLock(SqliteConnection connection) => _connection = connection;

    public static async Task<AuditStoreLock> TakeAsync(IdentityApiFactory factory)
    {
        var connection = new SqliteConnection($"Data Source={Path.Combine(factory.DataDirectory, "audit.db")}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "BEGIN EXCLUSIVE;";
        await command.ExecuteNonQueryAsync();
        return new AuditStoreLock(connection);
    }

    public async Task ReleaseAsync()
    {
        if (!_released)
        {
            await using var command = _connection.CreateCommand();
            command.CommandText = "ROLLBACK;";
            await command.ExecuteNonQueryAsync();
            _released = true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await ReleaseAsync();
        await _connection.DisposeAsync();
    }
}
