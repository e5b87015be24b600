using System.Diagnostics;
using System.Globalization;
using Identity.Tests.Infrastructure;
using Npgsql;

namespace Identity.Tests.Cluster;

/// <summary>
/// A PostgreSQL 15 server of the test's own (initdb into a temp folder, pg_ctl on a free loopback port), so a test can
/// stop and start it; the shared server of <c>./scripts/test.sh</c> must not be touched. As root it runs as the
/// <c>postgres</c> OS user, as scripts/test.sh does.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private const string Bin = "/usr/lib/postgresql/15/bin";
    private readonly string _directory;

    private PostgresServer(string directory) => _directory = directory;

    public int Port { get; } = IdentityApiFactory.FreeTcpPort();

    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres";

    private string DataDirectory => Path.Combine(_directory, "data");

    public static async Task<PostgresServer> InitializeAsync()
    {
        var directory = Directory.CreateTempSubdirectory("identity-pg-").FullName;
        var server = new PostgresServer(directory);
        if (Environment.UserName == "root")
        {
            await RunAsync("chown", ["postgres:", directory]);
        }
        await server.AsPostgresAsync($"{Bin}/initdb", ["-D", server.DataDirectory, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8"]);
        await server.StartAsync();
        return server;
    }

    public async Task StartAsync() => await AsPostgresAsync($"{Bin}/pg_ctl",
    [
        "-D", DataDirectory, "-l", Path.Combine(_directory, "postgres.log"), "-w", "-t", "30",
        "-o", $"-c listen_addresses=127.0.0.1 -p {Port.ToString(CultureInfo.InvariantCulture)} -k {_directory} -c max_connections=100 -c fsync=off -c full_page_writes=off",
        "start",
    ]);

    /// <summary>Stops the server; <c>fast</c> ends every session at once (clients see their connections dropped).</summary>
    public async Task StopAsync(string mode = "fast")
    {
        await AsPostgresAsync($"{Bin}/pg_ctl", ["-D", DataDirectory, "-m", mode, "-w", "-t", "30", "stop"]);
        NpgsqlConnection.ClearAllPools();
    }

    /// <summary>Creates a fresh database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("CREATE DATABASE identity", connection);
            await command.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = "identity" }.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await AsPostgresAsync($"{Bin}/pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "-t", "20", "stop"]);
        }
        catch (InvalidOperationException)
        {
            // Not running.
        }
        NpgsqlConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private Task AsPostgresAsync(string file, string[] arguments) => Environment.UserName == "root"
        ? RunAsync("runuser", ["-u", "postgres", "--", file, .. arguments], _directory)
        : RunAsync(file, arguments, _directory);

    private static async Task RunAsync(string file, string[] arguments, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} could not be started.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await output}{await error}");
        }
    }
}
