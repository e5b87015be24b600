using System.Security.Cryptography;
using Npgsql;

namespace Identity.Tests.Infrastructure;

/// <summary>
/// A fresh, uniquely named database on the test PostgreSQL server; dropped on dispose.
/// </summary>
public sealed class PostgresDatabase : IAsyncDisposable
{
    private readonly string _serverConnectionString;

    private PostgresDatabase(string serverConnectionString, string name, string connectionString)
    {
        _serverConnectionString = serverConnectionString;
        Name = name;
        ConnectionString = connectionString;
    }

    /// <summary>Database name, <c>identity_test_&lt;random hex&gt;</c>.</summary>
    public string Name { get; }

    /// <summary>Npgsql connection string pointing at the new database.</summary>
    public string ConnectionString { get; }

    public static async Task<PostgresDatabase> CreateAsync()
    {
        var server = TestEnvironment.Postgres;
        var name = "identity_test_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        var builder = new NpgsqlConnectionStringBuilder(server) { Database = name };
        return new PostgresDatabase(server, name, builder.ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        // Pooled connections to the database would block DROP DATABASE; clear them and force.
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_serverConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
