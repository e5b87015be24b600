using System.Data.Common;
using Identity.Silo;
using Identity.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Identity.Tests.Silo;

[Collection(PostgresSiloCollection.Name)]
public sealed class SqlSchemaInstallerTests : IAsyncLifetime
{
    private static readonly string[] PersistenceQueries = ["ClearStorageKey", "ReadFromStorageKey", "WriteToStorageKey"];

    private static readonly string[] ClusterQueries =
    [
        "CleanupDefunctSiloEntriesKey", "CleanupDefunctSiloEntryKey", "ClearStorageKey", "DeleteMembershipTableEntriesKey",
        "GatewaysQueryKey", "InsertMembershipKey", "InsertMembershipVersionKey", "MembershipReadAllKey",
        "MembershipReadRowKey", "ReadFromStorageKey", "UpdateIAmAlivetimeKey", "UpdateMembershipKey", "WriteToStorageKey",
    ];

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("identity-schema-");
    private PostgresDatabase _postgres = null!;

    public async Task InitializeAsync() => _postgres = await PostgresDatabase.CreateAsync();

    public async Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        _directory.Delete(recursive: true);
        await _postgres.DisposeAsync();
    }

    private SiloDatabase Sqlite => SiloDatabase.Sqlite("Data Source=data/identity.db", _directory.FullName);

    private SiloDatabase Postgres => SiloDatabase.Postgres(_postgres.ConnectionString);

    [Fact]
    public async Task Installing_the_SQLite_schema_twice_is_harmless()
    {
        await Installer(Sqlite).InstallAsync(CancellationToken.None);
        await Installer(Sqlite).InstallAsync(CancellationToken.None);

        Assert.Equal(PersistenceQueries, await QueryKeysAsync(Sqlite));
    }

    [Fact]
    public async Task Installing_the_PostgreSQL_schema_twice_and_from_several_silos_at_once_is_harmless()
    {
        await Installer(Postgres).InstallAsync(CancellationToken.None);
        await Installer(Postgres).InstallAsync(CancellationToken.None);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Installer(Postgres).InstallAsync(CancellationToken.None)));

        Assert.Equal(ClusterQueries, await QueryKeysAsync(Postgres));
    }

    [Fact]
    public async Task SQLite_write_query_refuses_a_stale_version()
    {
        await Installer(Sqlite).InstallAsync(CancellationToken.None);
        await AssertOptimisticConcurrencyAsync(Sqlite);
    }

    [Fact]
    public async Task PostgreSQL_write_query_refuses_a_stale_version()
    {
        await Installer(Postgres).InstallAsync(CancellationToken.None);
        await AssertOptimisticConcurrencyAsync(Postgres);
    }

    [Fact]
    public void PostgreSQL_pool_is_capped_unless_configured()
    {
        Assert.Equal(SiloDatabase.DefaultPostgresMaxPoolSize, PoolSize("Host=db;Username=u"));
        Assert.Equal(5, PoolSize("Host=db;Username=u;Maximum Pool Size=5"));
    }

    [Fact]
    public void Database_description_has_no_password()
    {
        var database = SiloDatabase.Postgres("Host=db;Database=identity;Username=u;Password=hunter2-secret");

        Assert.Equal("PostgreSQL db:5432/identity", database.ToString());
        Assert.DoesNotContain("hunter2-secret", database.Description, StringComparison.Ordinal);
    }

    private static int PoolSize(string connectionString) =>
        new Npgsql.NpgsqlConnectionStringBuilder(SiloDatabase.Postgres(connectionString).ConnectionString).MaxPoolSize;

    // Orleans turns "returned version equals the grain's ETag" (or NULL for a first write) into InconsistentStateException.
    private static async Task AssertOptimisticConcurrencyAsync(SiloDatabase database)
    {
        var write = await QueryTextAsync(database, "WriteToStorageKey");
        var clear = await QueryTextAsync(database, "ClearStorageKey");

        Assert.Equal(1, await RunAsync(database, write, expectedVersion: null));
        Assert.Null(await RunAsync(database, write, expectedVersion: null));
        Assert.Equal(2, await RunAsync(database, write, expectedVersion: 1));
        Assert.Equal(1, await RunAsync(database, write, expectedVersion: 1));
        Assert.Equal(3, await RunAsync(database, clear, expectedVersion: 2));
        Assert.Equal(2, await RunAsync(database, clear, expectedVersion: 2));
        Assert.Equal(4, await RunAsync(database, write, expectedVersion: 3));
        // A version for a row that does not exist is a conflict too, not a silent re-insert.
        Assert.Equal(9, await RunAsync(database, write, expectedVersion: 9, grainIdN0: 99));
    }

    private static async Task<int?> RunAsync(SiloDatabase database, string query, int? expectedVersion, long grainIdN0 = 2)
    {
        await using var connection = database.CreateConnection();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = query;
        Add(command, "GrainIdHash", 1);
        Add(command, "GrainIdN0", grainIdN0);
        Add(command, "GrainIdN1", 3L);
        Add(command, "GrainTypeHash", 4);
        Add(command, "GrainTypeString", "Identity.Grains.Patients.PatientGrain");
        Add(command, "GrainIdExtensionString", null);
        Add(command, "ServiceId", "identity-tests");
        Add(command, "GrainStateVersion", expectedVersion);
        Add(command, "PayloadBinary", new byte[] { 1, 2, 3 });
        var result = await command.ExecuteScalarAsync();
        return result is null or DBNull ? null : Convert.ToInt32(result, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void Add(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }

    private static async Task<string> QueryTextAsync(SiloDatabase database, string key)
    {
        await using var connection = database.CreateConnection();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT QueryText FROM OrleansQuery WHERE QueryKey = '{key}'";
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<string[]> QueryKeysAsync(SiloDatabase database)
    {
        await using var connection = database.CreateConnection();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT QueryKey FROM OrleansQuery";
        var keys = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            keys.Add(reader.GetString(0));
        }
        return [.. keys.Order(StringComparer.Ordinal)];
    }

    private static SqlSchemaInstaller Installer(SiloDatabase database) => new(database, NullLogger<SqlSchemaInstaller>.Instance);
}
