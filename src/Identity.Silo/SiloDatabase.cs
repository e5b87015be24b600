using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace Identity.Silo;

/// <summary>
/// The database behind the silo: SQLite (embedded) or PostgreSQL (cluster), with the connection
/// string already completed with this project's defaults.
/// </summary>
public sealed class SiloDatabase
{
    public const string SqliteConnectionStringName = "Sqlite";
    public const string PostgresConnectionStringName = "Postgres";
    public const string DefaultSqliteConnectionString = "Data Source=data/identity.db";

    /// <summary>Orleans' SqliteInvariant (internal); Orleans maps it to Microsoft.Data.Sqlite's SqliteFactory.</summary>
    public const string SqliteInvariant = "System.Data.SQLite";

    /// <summary>Orleans' PostgresInvariant (internal).</summary>
    public const string PostgresInvariant = "Npgsql";

    /// <summary>Kept well below PostgreSQL's default max_connections (100) so several silos and API processes fit.</summary>
    public const int DefaultPostgresMaxPoolSize = 20;

    private SiloDatabase(SiloMode mode, string invariant, string connectionString, string description, string? sqliteFile = null)
    {
        Mode = mode;
        SqliteFile = sqliteFile;
        Invariant = invariant;
        ConnectionString = connectionString;
        Description = description;
    }

    public SiloMode Mode { get; }

    /// <summary>The ADO.NET invariant name Orleans maps to a provider factory.</summary>
    public string Invariant { get; }

    /// <summary>Contains credentials: never log it, log <see cref="Description"/>.</summary>
    public string ConnectionString { get; }

    /// <summary>Full path of the SQLite database file (embedded mode only).</summary>
    public string? SqliteFile { get; }

    /// <summary>Where the data lives, without credentials.</summary>
    public string Description { get; }

    public static SiloDatabase FromConfiguration(IConfiguration configuration, SiloMode mode, string contentRootPath) => mode switch
    {
        SiloMode.Embedded => Sqlite(configuration.GetConnectionString(SqliteConnectionStringName) ?? DefaultSqliteConnectionString, contentRootPath),
        SiloMode.Cluster => Postgres(configuration.GetConnectionString(PostgresConnectionStringName)
            ?? throw new InvalidOperationException(
                $"Orleans:Mode is Cluster but ConnectionStrings:{PostgresConnectionStringName} is not set " +
                $"(environment variable ConnectionStrings__{PostgresConnectionStringName}).")),
        _ => throw new InvalidOperationException($"Orleans:Mode '{mode}' is not supported: use Embedded or Cluster."),
    };

    /// <summary>A SQLite database; a relative file name is resolved against <paramref name="contentRootPath"/>.</summary>
    public static SiloDatabase Sqlite(string connectionString, string contentRootPath)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (string.IsNullOrWhiteSpace(builder.DataSource) || builder.DataSource == ":memory:" || builder.Mode == SqliteOpenMode.Memory)
        {
            // Grain state must outlive the process; an in-memory database would silently lose it.
            throw new InvalidOperationException($"ConnectionStrings:{SqliteConnectionStringName} must name a database file.");
        }
        builder.DataSource = Path.GetFullPath(builder.DataSource, contentRootPath);
        return new SiloDatabase(SiloMode.Embedded, SqliteInvariant, builder.ConnectionString, $"SQLite {builder.DataSource}", builder.DataSource);
    }

    /// <summary>A PostgreSQL database; the pool is capped and the session time zone pinned to UTC unless given.</summary>
    public static SiloDatabase Postgres(string connectionString)
    {
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!given.ContainsKey("Maximum Pool Size") && !given.ContainsKey("Max Pool Size") && !given.ContainsKey("MaxPoolSize"))
        {
            builder.MaxPoolSize = DefaultPostgresMaxPoolSize;
        }
        if (!given.ContainsKey("Timezone"))
        {
            // Membership times are compared across silos; a UTC session makes timestamp conversions host-independent.
            builder.Timezone = "UTC";
        }
        return new SiloDatabase(SiloMode.Cluster, PostgresInvariant, builder.ConnectionString,
            $"PostgreSQL {builder.Host}:{builder.Port}/{builder.Database}");
    }

    public DbConnection CreateConnection() => Mode == SiloMode.Embedded
        ? new SqliteConnection(ConnectionString)
        : new NpgsqlConnection(ConnectionString);

    public override string ToString() => Description;
}
