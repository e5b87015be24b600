using Identity.Silo;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Identity.Api.Tokens;

/// <summary>Where OpenIddict's tables live: a SQLite file beside the grain database (embedded) or PostgreSQL (cluster).</summary>
public static class TokenDatabase
{
    public const string SqliteConnectionStringName = "Tokens";
    public const string DefaultSqliteFileName = "tokens.db";

    /// <summary>Registers the provider's <see cref="TokenDbContext"/>; returns the folder for embedded-mode key files.</summary>
    public static string AddTokenDatabase(this IServiceCollection services, IConfiguration configuration, string contentRootPath)
    {
        var mode = configuration.GetSection(SiloOptions.Section).Get<SiloOptions>()?.Mode ?? SiloMode.Embedded;
        var silo = SiloDatabase.FromConfiguration(configuration, mode, contentRootPath);
        if (mode == SiloMode.Cluster)
        {
            services.AddDbContextPool<TokenDbContext, PostgresTokenDbContext>(db => db.UseNpgsql(silo.ConnectionString).UseOpenIddict());
            return Path.Combine(contentRootPath, "data");
        }

        var folder = Path.GetDirectoryName(silo.SqliteFile!)!;
        var connection = new SqliteConnectionStringBuilder(
            configuration.GetConnectionString(SqliteConnectionStringName) ?? $"Data Source={Path.Combine(folder, DefaultSqliteFileName)}");
        connection.DataSource = Path.GetFullPath(connection.DataSource, contentRootPath);
        Directory.CreateDirectory(Path.GetDirectoryName(connection.DataSource)!);
        var synchronous = new SqliteSynchronousMode(configuration[$"{TokenSettings.Section}:{nameof(TokenSettings.SqliteSynchronous)}"] ?? "FULL");
        services.AddDbContextPool<TokenDbContext, SqliteTokenDbContext>(db => db.UseSqlite(connection.ConnectionString).UseOpenIddict().AddInterceptors(synchronous));
        return folder;
    }
}
