using BenchmarkDotNet.Attributes;
using Identity.Api.Audit;
using Identity.Grains.Audit;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Identity.Bench;

/// <summary>
/// Audit trail appends on PostgreSQL (issue 7: target ≤ 1 ms added p50 per audited request). Each audited request
/// performs exactly one append, so <see cref="Append_one_entry"/>'s median is the latency the audit adds to it.
/// Needs <c>IDENTITY_BENCH_POSTGRES</c> (an Npgsql connection string to a server where it may create a database);
/// without it every benchmark does nothing and says so.
/// </summary>
[MemoryDiagnoser]
public class AuditAppendBenchmarks
{
    private const string Variable = "IDENTITY_BENCH_POSTGRES";
    private const int Concurrent = 64;

    private string? _server;
    private string? _database;
    private AuditStore? _store;
    private Guid[] _patients = [];
    private int _next;
    private NpgsqlDataSource? _bare;
    private string _payload = "";

    [GlobalSetup]
    public void Setup()
    {
        _server = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(_server))
        {
            Console.WriteLine($"// {nameof(AuditAppendBenchmarks)} skipped: set {Variable} to an Npgsql connection string.");
            return;
        }
        _database = $"identity_bench_audit_{Guid.NewGuid():N}";
        using (var connection = new NpgsqlConnection(_server))
        {
            connection.Open();
            using var create = new NpgsqlCommand($"CREATE DATABASE \"{_database}\"", connection);
            create.ExecuteNonQuery();
        }
        var target = new NpgsqlConnectionStringBuilder(_server) { Database = _database }.ConnectionString;
        _store = new AuditStore(AuditDatabase.Postgres(target, null, 30), NullLogger<AuditStore>.Instance);
        _store.EnsureSchemaAsync(default).GetAwaiter().GetResult();
        _bare = NpgsqlDataSource.Create(target);
        using (var table = _bare.CreateCommand("CREATE TABLE bench_rows (id bigserial PRIMARY KEY, payload text NOT NULL)"))
        {
            table.ExecuteNonQuery();
        }
        _payload = new string('x', 1_400);
        _patients = [.. Enumerable.Range(0, 1_000).Select(_ => Guid.NewGuid())];
        // Warm every chain head so appends measure the steady state (one INSERT), as a running service has.
        foreach (var patient in _patients)
        {
            AppendAsync(patient).GetAwaiter().GetResult();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_store is null)
        {
            return;
        }
        _store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _bare?.Dispose();
        NpgsqlConnection.ClearAllPools();
        using var connection = new NpgsqlConnection(_server);
        connection.Open();
        using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE)", connection);
        drop.ExecuteNonQuery();
    }

    /// <summary>The database's floor: one autocommitted INSERT of a row of the same size, no event, no hash.</summary>
    [Benchmark(Baseline = true)]
    public async Task Bare_insert_commit()
    {
        if (_store is null)
        {
            return;
        }
        await using var command = _bare!.CreateCommand("INSERT INTO bench_rows (payload) VALUES (@p)");
        command.Parameters.AddWithValue("p", _payload);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>One audited request: build the BALP event, serialize, hash, INSERT (durable on commit) for one patient's chain.</summary>
    [Benchmark]
    public Task Append_one_entry() => _store is null ? Task.CompletedTask : AppendAsync(_patients[_next++ % _patients.Length]);

    /// <summary>Throughput: 64 appends in flight at once over many patients' chains (per-operation time = 1 / throughput).</summary>
    [Benchmark(OperationsPerInvoke = Concurrent)]
    public Task Append_concurrently_many_patients() => _store is null
        ? Task.CompletedTask
        : Task.WhenAll(Enumerable.Range(0, Concurrent).Select(_ => AppendAsync(_patients[Interlocked.Increment(ref _next) % _patients.Length])));

    /// <summary>Worst case: 64 appends in flight to the same patient's chain, serialized by the chain lock.</summary>
    [Benchmark(OperationsPerInvoke = Concurrent)]
    public Task Append_concurrently_one_patient() => _store is null
        ? Task.CompletedTask
        : Task.WhenAll(Enumerable.Range(0, Concurrent).Select(_ => AppendAsync(_patients[0])));

    private Task<AuditEntry> AppendAsync(Guid patient)
    {
        var now = DateTimeOffset.UtcNow;
        var auditEvent = BalpAuditEvents.SignIn(new AuditContext("identityconsent", "192.0.2.10", now), patient, [1, 2, 3, 4]);
        return _store!.AppendAsync(AuditEventJson.Serialize(auditEvent), now, default);
    }
}
