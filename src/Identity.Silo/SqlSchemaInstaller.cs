using System.Data;
using System.Data.Common;
using System.Reflection;
using Microsoft.Extensions.Logging;

namespace Identity.Silo;

/// <summary>
/// Creates or updates the Orleans tables and stored queries and the consent query projection (scripts in <c>Sql/</c>)
/// before the silo's clustering, grain storage and grains use them. Safe to run any number of times, also from
/// several silos starting at once.
/// </summary>
public sealed partial class SqlSchemaInstaller(SiloDatabase database, ILogger<SqlSchemaInstaller> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    // Any constant shared by all silos of the deployment; only this installer takes it.
    private const long PostgresLockKey = 0x4964436f6e73656e; // "IdConsen"

    private static readonly string[] PostgresScripts = ["PostgreSQL-Main.sql", "PostgreSQL-Clustering.sql", "PostgreSQL-Persistence.sql", "PostgreSQL-ConsentProjection.sql"];
    private static readonly string[] SqliteScripts = ["Sqlite-Main.sql", "Sqlite-Persistence.sql", "Sqlite-ConsentProjection.sql"];

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SqlSchemaInstaller), ServiceLifecycleStage.First, InstallAsync);

    public async Task InstallAsync(CancellationToken cancellationToken)
    {
        LogInstalling(database.Description);
        if (database.Mode == SiloMode.Embedded)
        {
            await InstallSqliteAsync(cancellationToken);
        }
        else
        {
            await InstallPostgresAsync(cancellationToken);
        }
        LogInstalled(database.Description);
    }

    private async Task InstallSqliteAsync(CancellationToken cancellationToken)
    {
        if (Path.GetDirectoryName(database.SqliteFile) is { Length: > 0 } directory)
        {
            Directory.CreateDirectory(directory);
        }

        await using var connection = database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        // WAL lets grain reads proceed during a write and is stored in the file, so every later
        // connection uses it; the busy timeout covers a second process installing at the same time.
        await ExecuteAsync(connection, null, "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL;", cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var script in SqliteScripts)
        {
            await ExecuteAsync(connection, transaction, ReadScript(script), cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    private async Task InstallPostgresAsync(CancellationToken cancellationToken)
    {
        await using var connection = database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        // Concurrent CREATE OR REPLACE FUNCTION / CREATE TABLE IF NOT EXISTS can fail on catalog
        // unique violations; the transaction-scoped lock makes silos install one after another.
        await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({PostgresLockKey});", cancellationToken);
        foreach (var script in PostgresScripts)
        {
            await ExecuteAsync(connection, transaction, ReadScript(script), cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The text of one of the embedded <c>Sql/*.sql</c> scripts.</summary>
    public static string ReadScript(string fileName)
    {
        var assembly = typeof(SqlSchemaInstaller).Assembly;
        var resource = assembly.GetManifestResourceNames().SingleOrDefault(n => n.EndsWith("." + fileName, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"SQL script {fileName} is not embedded in {assembly.GetName().Name}.");
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Installing the Orleans schema in {Database}")]
    private partial void LogInstalling(string database);

    [LoggerMessage(Level = LogLevel.Information, Message = "Orleans schema is up to date in {Database}")]
    private partial void LogInstalled(string database);
}
