using Identity.Silo;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Identity.Api.Audit;

/// <summary>
/// Where the audit trail lives. Embedded mode: its own SQLite file, <c>audit.db</c> beside the grain database
/// (or <c>ConnectionStrings:AuditSqlite</c>), so it is backed up, retained and locked apart from grain state.
/// Cluster mode: the PostgreSQL database of the silos. The schema owner (<c>ConnectionStrings:Postgres</c>) installs
/// the tables and purges; the service writes and reads through a role holding only INSERT and SELECT: the login in
/// <c>ConnectionStrings:AuditPostgres</c> when set (a member of <see cref="WriterRole"/>), otherwise the owner's
/// connection with <see cref="WriterRole"/> as its session role (startup option <c>-c role=…</c>, kept across pool resets).
/// </summary>
public sealed class AuditDatabase
{
    public const string SqliteConnectionStringName = "AuditSqlite";
    public const string PostgresConnectionStringName = "AuditPostgres";
    public const string WriterRole = "identity_audit_writer";
    public const string DefaultSqliteFileName = "audit.db";

    private AuditDatabase(bool isPostgres, string writer, string owner, string description, int timeoutSeconds)
    {
        IsPostgres = isPostgres;
        Timeout = TimeSpan.FromSeconds(timeoutSeconds);
        WriterConnectionString = writer;
        OwnerConnectionString = owner;
        Description = description;
    }

    public bool IsPostgres { get; }

    /// <summary>Appends and reads. Contains credentials: log <see cref="Description"/>.</summary>
    public string WriterConnectionString { get; }

    /// <summary>Schema installation and retention purge.</summary>
    public string OwnerConnectionString { get; }

    public string Description { get; }

    /// <summary>How long one store operation may take (<c>Audit:TimeoutSeconds</c>).</summary>
    public TimeSpan Timeout { get; }

    public static AuditDatabase FromConfiguration(IConfiguration configuration, string contentRootPath)
    {
        var mode = configuration.GetSection(SiloOptions.Section).Get<SiloOptions>()?.Mode ?? SiloMode.Embedded;
        var timeout = configuration.GetSection(AuditSettings.Section).Get<AuditSettings>()?.TimeoutSeconds ?? new AuditSettings().TimeoutSeconds;
        if (mode == SiloMode.Cluster)
        {
            var silo = SiloDatabase.FromConfiguration(configuration, mode, contentRootPath);
            return Postgres(silo.ConnectionString, configuration.GetConnectionString(PostgresConnectionStringName), timeout);
        }
        if (configuration.GetConnectionString(SqliteConnectionStringName) is { Length: > 0 } auditSqlite)
        {
            return Sqlite(auditSqlite, contentRootPath, timeout);
        }
        var grainFile = SiloDatabase.FromConfiguration(configuration, mode, contentRootPath).SqliteFile!;
        var file = Path.Combine(Path.GetDirectoryName(grainFile) ?? contentRootPath, DefaultSqliteFileName);
        return Sqlite($"Data Source={file}", contentRootPath, timeout);
    }

    public static AuditDatabase Sqlite(string connectionString, string contentRootPath, int timeoutSeconds)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (string.IsNullOrWhiteSpace(builder.DataSource) || builder.DataSource == ":memory:" || builder.Mode == SqliteOpenMode.Memory)
        {
            throw new InvalidOperationException($"ConnectionStrings:{SqliteConnectionStringName} must name a database file: the audit trail must outlive the process.");
        }
        builder.DataSource = Path.GetFullPath(builder.DataSource, contentRootPath);
        builder.DefaultTimeout = timeoutSeconds;
        builder.Pooling = true;
        return new AuditDatabase(false, builder.ConnectionString, builder.ConnectionString, $"SQLite {builder.DataSource}", timeoutSeconds);
    }

    public static AuditDatabase Postgres(string ownerConnectionString, string? writerConnectionString, int timeoutSeconds)
    {
        var owner = new NpgsqlConnectionStringBuilder(ownerConnectionString) { Timeout = timeoutSeconds, CommandTimeout = timeoutSeconds };
        NpgsqlConnectionStringBuilder writer;
        if (!string.IsNullOrEmpty(writerConnectionString))
        {
            writer = new NpgsqlConnectionStringBuilder(writerConnectionString);
        }
        else
        {
            writer = new NpgsqlConnectionStringBuilder(owner.ConnectionString);
            writer.Options = string.IsNullOrEmpty(writer.Options) ? $"-c role={WriterRole}" : $"{writer.Options} -c role={WriterRole}";
        }
        writer.Timeout = timeoutSeconds;
        writer.CommandTimeout = timeoutSeconds;
        writer.ApplicationName ??= "identityconsent-audit";
        return new AuditDatabase(true, writer.ConnectionString, owner.ConnectionString, $"PostgreSQL {owner.Host}:{owner.Port}/{owner.Database}", timeoutSeconds);
    }

    public override string ToString() => Description;
}
