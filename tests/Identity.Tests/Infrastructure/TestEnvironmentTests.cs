using System.Net.Sockets;
using System.Text;
using Npgsql;

namespace Identity.Tests.Infrastructure;

/// <summary>Proves that the services started by ./scripts/test.sh are real and reachable.</summary>
public sealed class TestEnvironmentTests
{
    [Fact]
    public async Task Postgres_is_version_15()
    {
        await using var connection = new NpgsqlConnection(TestEnvironment.Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT version()", connection);
        var version = (string?)await command.ExecuteScalarAsync();

        Assert.NotNull(version);
        Assert.Contains("PostgreSQL 15", version, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostgresDatabase_creates_and_drops_a_fresh_database()
    {
        string name;
        await using (var database = await PostgresDatabase.CreateAsync())
        {
            name = database.Name;
            Assert.StartsWith("identity_test_", name, StringComparison.Ordinal);
            await using var connection = new NpgsqlConnection(database.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT current_database()", connection);
            Assert.Equal(name, (string?)await command.ExecuteScalarAsync());
        }

        await using var server = new NpgsqlConnection(TestEnvironment.Postgres);
        await server.OpenAsync();
        await using var exists = new NpgsqlCommand("SELECT count(*) FROM pg_database WHERE datname = @name", server);
        exists.Parameters.AddWithValue("name", name);
        Assert.Equal(0L, (long)(await exists.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task Redis_answers_ping()
    {
        var endpoint = TestEnvironment.Redis;
        var colon = endpoint.LastIndexOf(':');
        var host = endpoint[..colon];
        var port = int.Parse(endpoint[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture);

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var client = new TcpClient();
        await client.ConnectAsync(host, port, cts.Token);
        await using var stream = client.GetStream();
        await stream.WriteAsync("PING\r\n"u8.ToArray(), cts.Token);

        var buffer = new byte[64];
        var reply = new StringBuilder();
        while (!reply.ToString().EndsWith("\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer, cts.Token);
            Assert.True(read > 0, "Redis closed the connection");
            reply.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        Assert.Equal("+PONG\r\n", reply.ToString());
    }

    [Fact]
    public void Chromium_path_points_at_an_executable()
    {
        Assert.True(File.Exists(TestEnvironment.ChromiumPath), $"{TestEnvironment.ChromiumPath} does not exist");
    }
}
