using System.Data.Common;
using Identity.Api.Audit;
using Identity.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Identity.Tests.Audit;

/// <summary>An audit store on a fresh SQLite file or a fresh PostgreSQL database, with raw access for tampering.</summary>
internal sealed class AuditStoreTarget : IAsyncDisposable
{
    private readonly PostgresDatabase? _postgres;
    private readonly string? _directory;

    private AuditStoreTarget(AuditDatabase database, PostgresDatabase? postgres, string? directory)
    {
        Database = database;
        _postgres = postgres;
        _directory = directory;
        Store = NewStore();
    }

    public AuditDatabase Database { get; }

    public AuditStore Store { get; }

    public static async Task<AuditStoreTarget> CreateAsync(string kind)
    {
        if (kind == "postgres")
        {
            var postgres = await PostgresDatabase.CreateAsync();
            return new AuditStoreTarget(AuditDatabase.Postgres(postgres.ConnectionString, null, 5), postgres, null);
        }
        var directory = Directory.CreateTempSubdirectory("identity-audit-").FullName;
        return new AuditStoreTarget(AuditDatabase.Sqlite("Data Source=audit.db", directory, 5), null, directory);
    }

    /// <summary>A second store on the same database, as another service instance would have.</summary>
    public AuditStore NewStore() => new(Database, NullLogger<AuditStore>.Instance);

    /// <summary>Runs SQL as the schema owner with the append-only triggers switched off, as an attacker with full access would.</summary>
    public async Task TamperAsync(string sql)
    {
        var disable = Database.IsPostgres
            ? "ALTER TABLE audit_entries DISABLE TRIGGER USER;"
            : "DROP TRIGGER IF EXISTS audit_entries_no_update; DROP TRIGGER IF EXISTS audit_entries_no_delete;";
        var enable = Database.IsPostgres ? "ALTER TABLE audit_entries ENABLE TRIGGER USER;" : "";
        await ExecuteAsync(Database.OwnerConnectionString, disable + sql + enable);
    }

    public Task<int> ExecuteAsOwnerAsync(string sql) => ExecuteAsync(Database.OwnerConnectionString, sql);

    public Task<int> ExecuteAsWriterAsync(string sql) => ExecuteAsync(Database.WriterConnectionString, sql);

    private async Task<int> ExecuteAsync(string connectionString, string sql)
    {
        await using DbConnection connection = Database.IsPostgres ? new NpgsqlConnection(connectionString) : new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
        if (_directory is not null)
        {
            SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // The OS cleans temp folders.
            }
        }
    }
}
