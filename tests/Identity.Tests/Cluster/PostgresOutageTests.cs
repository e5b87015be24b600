using System.Net;
using Xunit.Abstractions;

namespace Identity.Tests.Cluster;

/// <summary>The cluster's PostgreSQL (a server of the test's own) stopped and started again under load.</summary>
[Collection(ClusterCollection.Name)]
public sealed class PostgresOutageTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly string[] CleanRefusals = ["503 storage_unavailable", "503 audit_unavailable", "503 cluster_unavailable"];
    private PostgresServer _postgres = null!;
    private ClusterProcesses _cluster = null!;

    public async Task InitializeAsync()
    {
        _postgres = await PostgresServer.InitializeAsync();
        _cluster = await ClusterProcesses.StartAsync(silos: 1, apis: 2, postgresServer: _postgres);
    }

    public async Task DisposeAsync()
    {
        output.WriteLine(_cluster.Diagnostics());
        await _cluster.DisposeAsync();
        await _postgres.DisposeAsync();
    }

    [Fact]
    public async Task Writes_fail_with_503_while_PostgreSQL_is_down_nothing_is_half_written_and_service_resumes()
    {
        var load = new MixedLoad(_cluster.ApiAddresses, _cluster.Wallet, operations: 120, duration: TimeSpan.FromSeconds(20));
        var running = load.RunAsync();
        await Task.Delay(TimeSpan.FromSeconds(6));
        var stoppedAt = load.Elapsed;
        await _postgres.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(2));
        using var probe = MixedLoad.NewClient();
        var readiness = await Task.WhenAll(_cluster.ApiAddresses.Select(async api =>
        {
            using var ready = await probe.GetAsync(new Uri(api, "/health/ready"));
            return ready.StatusCode;
        }));
        await Task.Delay(TimeSpan.FromSeconds(3));
        await _postgres.StartAsync();
        var startedAt = load.Elapsed;
        await running;

        var recovery = load.LastFailureStartedAfter(startedAt) is { } last ? last - startedAt : TimeSpan.Zero;
        output.WriteLine($"PostgreSQL down {stoppedAt.TotalSeconds:0.0}–{startedAt.TotalSeconds:0.0} s; last failure started {recovery.TotalSeconds:0.0} s after it returned; {load.Summary()}");
        var problems = await load.VerifyAsync();

        Assert.All(readiness, status => Assert.Equal(HttpStatusCode.ServiceUnavailable, status));
        Assert.True(problems.Count == 0, string.Join("\n", problems) + "\n" + load.Summary());
        Assert.True(load.Failed.Any(), "the outage went unnoticed: " + load.Summary());
        var unclean = load.Failed.Where(a => !CleanRefusals.Any(a.Detail.StartsWith)).ToList();
        Assert.True(unclean.Count == 0, "failures other than 503: " + string.Join(", ", unclean.Select(a => $"{a.Operation} {a.Detail}")));
        Assert.Equal(0, load.Abandoned);
        Assert.True(recovery < TimeSpan.FromSeconds(10), $"requests still failed {recovery.TotalSeconds:0.0} s after PostgreSQL returned");
    }
}
