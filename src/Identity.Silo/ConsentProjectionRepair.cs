using Identity.Grains.Consent;
using Microsoft.Extensions.Logging;

namespace Identity.Silo;

/// <summary>
/// Keeps the consent query projection complete. At start-up it copies the former consent directory into it once (an
/// upgraded deployment loses no consent id; the directory grain makes this safe when several silos start together). Then,
/// on every silo, a pass every <see cref="Interval"/> finds rows whose write began more than <see cref="Grace"/> ago and was
/// never projected (a crash or database error between the grain's state write and its projection update, or a back-filled
/// id) and asks their patient grains to project everything they hold again. Passes on several silos only repeat idempotent work.
/// </summary>
public sealed partial class ConsentProjectionRepair(IConsentProjection projection, IGrainFactory grains, TimeProvider time, ILogger<ConsentProjectionRepair> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    /// <summary>A write still in flight is not repaired: its own grain turn will project it.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);

    private const int Batch = 100;

    /// <summary>How long start-up waits for the directory copy before going on (a cluster still settling may hold the grain up).</summary>
    private static readonly TimeSpan StartupWait = TimeSpan.FromSeconds(10);

    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _firstCopy = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _loop;
    private bool _copied;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(ConsentProjectionRepair), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        // Normally the copy is done before the silo (and a co-hosted API) serves requests, so old ids resolve at once; if it
        // fails or takes long, start-up goes on and the loop keeps trying.
        await _firstCopy.Task.WaitAsync(StartupWait, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_loop is not null)
        {
            await _loop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>One pass: re-projects patients with rows pending since before <paramref name="before"/>, until none are left; returns how many.</summary>
    public async Task<int> RepairAsync(DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        var repaired = 0;
        while (true)
        {
            var patients = await projection.PendingPatientsAsync(before, Batch, cancellationToken);
            var failed = 0;
            foreach (var patient in patients)
            {
                try
                {
                    await grains.GetGrain<IPatientConsentGrain>(patient).ReprojectAsync();
                    repaired++;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    failed++;
                    LogRepairFailed(e.GetType().Name);
                }
            }
            // A full batch may have more behind it; one that failed is left for the next pass rather than retried at once.
            if (patients.Length < Batch || failed > 0)
            {
                return repaired;
            }
        }
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            if (!_copied)
            {
                await TryCopyDirectoryAsync();
                _firstCopy.TrySetResult();
            }
            try
            {
                if (await RepairAsync(time.GetUtcNow() - Grace, stopping) is > 0 and var repaired)
                {
                    LogRepaired(repaired);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogRepairFailed(e.GetType().Name);
            }
        }
        while (await WaitAsync(timer, stopping));
    }

    private async Task TryCopyDirectoryAsync()
    {
        try
        {
            if (await grains.GetGrain<IConsentDirectoryGrain>(0).CopyToProjectionAsync() is > 0 and var copied)
            {
                LogCopied(copied);
            }
            _copied = true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogCopyFailed(e.GetType().Name);
        }
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stopping)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stopping);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Copied {Count} consent ids from the former consent directory into the query projection")]
    private partial void LogCopied(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not copy the former consent directory into the query projection ({Exception}); retrying")]
    private partial void LogCopyFailed(string exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Re-projected the consents of {Count} patients whose projection had not been updated")]
    private partial void LogRepaired(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Consent projection repair failed ({Exception}); retrying on the next pass")]
    private partial void LogRepairFailed(string exception);
}
