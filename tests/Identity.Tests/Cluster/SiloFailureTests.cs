using Xunit.Abstractions;

namespace Identity.Tests.Cluster;

/// <summary>Three silo processes and two API processes on PostgreSQL and Redis, under a bounded mixed load.</summary>
[Collection(ClusterCollection.Name)]
public sealed class SiloFailureTests(ITestOutputHelper output) : IAsyncLifetime
{
    private ClusterProcesses _cluster = null!;

    public async Task InitializeAsync()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        _cluster = await ClusterProcesses.StartAsync(silos: 3, apis: 2);
        output.WriteLine($"3 silos and 2 APIs ready in {started.Elapsed.TotalSeconds:0.0} s");
    }

    public async Task DisposeAsync()
    {
        output.WriteLine(_cluster.Diagnostics());
        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task A_silo_killed_mid_load_loses_no_acknowledged_operation_and_the_cluster_serves_again_within_15_s()
    {
        var load = new MixedLoad(_cluster.ApiAddresses, _cluster.Wallet, operations: 150, duration: TimeSpan.FromSeconds(20));
        var running = load.RunAsync();
        await Task.Delay(TimeSpan.FromSeconds(8));
        var killedAt = load.Elapsed;
        await _cluster.Silos[1].KillAsync();
        await running;

        var recovery = load.LastFailureStartedAfter(killedAt) is { } last ? last - killedAt : TimeSpan.Zero;
        output.WriteLine($"killed silo-2 at {killedAt.TotalSeconds:0.0} s; last failed attempt started {recovery.TotalSeconds:0.0} s after; {load.Summary()}");
        var problems = await load.VerifyAsync();
        var duplicates = await _cluster.DuplicateActivationsAsync();

        Assert.True(problems.Count == 0, string.Join("\n", problems) + "\n" + load.Summary());
        Assert.Empty(duplicates);
        Assert.True(!load.Attempts.Any(a => a.Outcome == AttemptOutcome.Unexpected),
            string.Join("\n", load.Attempts.Where(a => a.Outcome == AttemptOutcome.Unexpected).Select(a => $"{a.Operation}: {a.Detail}")));
        Assert.Equal(0, load.Abandoned);
        Assert.True(recovery < TimeSpan.FromSeconds(15), $"requests still failed {recovery.TotalSeconds:0.0} s after the kill: {load.Summary()}");
        Assert.True(load.Patients.Count(p => p.Id is not null) >= 20, load.Summary());
    }

    [Fact]
    public async Task A_rolling_restart_of_every_silo_under_load_loses_no_acknowledged_operation()
    {
        var load = new MixedLoad(_cluster.ApiAddresses, _cluster.Wallet, operations: 150, duration: TimeSpan.FromSeconds(30));
        var running = load.RunAsync();
        await Task.Delay(TimeSpan.FromSeconds(3));
        foreach (var silo in _cluster.Silos)
        {
            var started = load.Elapsed;
            await _cluster.RestartSiloGracefullyAsync(silo);
            output.WriteLine($"{silo.Name} stopped (SIGTERM) and back Active: {started.TotalSeconds:0.0}–{load.Elapsed.TotalSeconds:0.0} s");
        }
        await running;

        output.WriteLine(load.Summary());
        var problems = await load.VerifyAsync();
        var duplicates = await _cluster.DuplicateActivationsAsync();

        Assert.True(problems.Count == 0, string.Join("\n", problems) + "\n" + load.Summary());
        Assert.Empty(duplicates);
        Assert.True(!load.Attempts.Any(a => a.Outcome == AttemptOutcome.Unexpected),
            string.Join("\n", load.Attempts.Where(a => a.Outcome == AttemptOutcome.Unexpected).Select(a => $"{a.Operation}: {a.Detail}")));
        Assert.Equal(0, load.Abandoned);
        Assert.All(_cluster.Silos, silo => Assert.True(silo.IsRunning, silo.Output()));
    }
}
