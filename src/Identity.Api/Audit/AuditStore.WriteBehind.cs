using System.Collections.Concurrent;
using Identity.Grains.Audit;

namespace Identity.Api.Audit;

/// <summary>
/// Write-behind appends for the hot paths ARCHITECTURE.md keeps off the database round trip (introspection, consent
/// decisions): the event joins the next group commit like any other, but its caller answers without waiting for the disk.
/// Such an event is never dropped while the process lives: a failed commit puts it back in the queue after a pause, and
/// disposal waits for it. What a crash (or a shutdown while the store is down) can lose is only what was answered and not
/// yet committed, a few milliseconds' worth under load; <c>Audit:HotPaths = Committed</c> makes these callers wait too.
/// Hot paths fail closed: while the store is failing, before its schema is installed, or with
/// <see cref="MaximumBehind"/> events waiting, <see cref="TryAppendBehind"/> refuses and the caller waits for a commit
/// (and answers 503 when it fails), as every other audited operation does.
/// </summary>
public sealed partial class AuditStore
{
    /// <summary>Events answered and not yet committed, at most: beyond it hot paths wait for their commit (back-pressure).</summary>
    public const int MaximumBehind = 20_000;

    private static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(200);

    private readonly ConcurrentDictionary<PendingAppend, byte> _behind = new(ReferenceEqualityComparer.Instance);

    /// <summary>Set by any failed append, cleared by any commit: while set, hot paths wait for their commit like everyone else.</summary>
    private volatile bool _failing;

    /// <summary>Events answered and not yet committed.</summary>
    public int Behind => _behind.Count;

    /// <summary>
    /// Queues the event for the next group commit without waiting for it; false (nothing queued) when the caller must use
    /// <see cref="AppendAsync"/> instead: the store failed and has not committed since, the schema is not installed yet,
    /// or <see cref="MaximumBehind"/> events are waiting already. <paramref name="serialize"/> (the event's canonical JSON)
    /// runs on the writer, so the event it reads must not change after this call.
    /// </summary>
    public bool TryAppendBehind(Func<string> serialize, DateTimeOffset recorded)
    {
        if (_failing || !_installed || _behind.Count >= MaximumBehind)
        {
            return false;
        }
        var append = new PendingAppend(serialize, recorded);
        _behind[append] = 0;
        if (!_appends.TryEnqueue(append))
        {
            _behind.TryRemove(append, out _);
            return false;
        }
        return true;
    }

    /// <summary>
    /// Waits (at most <paramref name="timeout"/>) until the events this process answered before the call are committed, so
    /// a search through this instance sees every decision and introspection it answered.
    /// </summary>
    public async Task SettleAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (_behind.IsEmpty)
        {
            return;
        }
        var settled = Task.WhenAll(_behind.Keys.Select(append => append.Stored.Task));
        try
        {
            await settled.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            // The store is failing; the read that follows reports it, or shows what is committed.
        }
        catch (OperationCanceledException) when (settled.IsCanceled && !cancellationToken.IsCancellationRequested)
        {
            // An event that could not be serialized was dropped (and reported) meanwhile.
        }
    }

    /// <summary>False for a write-behind event that cannot be serialized (a bug, never bad input): it is reported and dropped.</summary>
    private bool TryMaterialize(PendingAppend append)
    {
        try
        {
            append.Materialize();
            return true;
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or ArgumentException)
        {
            _behind.TryRemove(append, out _);
            append.Stored.TrySetCanceled();
            LogNotSerialized(e.GetType().Name);
            return false;
        }
    }

    private void Stored(PendingAppend append, AuditEntry entry)
    {
        _failing = false;
        if (append.Behind)
        {
            _behind.TryRemove(append, out _);
        }
        append.Stored.TrySetResult(entry);
    }

    /// <summary>
    /// Reports the append as not stored and forgets its chain's head, which the failure may have left unknown. A caller that
    /// waits gets the failure; a write-behind event, whose caller has answered already, is queued again after a pause.
    /// </summary>
    private void Fail(PendingAppend append, AuditUnavailableException e)
    {
        _failing = true;
        _heads.TryRemove(append.Chain, out _);
        if (!append.Behind)
        {
            append.Stored.TrySetException(e);
            return;
        }
        _ = Task.Delay(RetryPause).ContinueWith(_ =>
        {
            if (!_appends.TryEnqueue(append))
            {
                // Disposed meanwhile: DisposeAsync counts and reports what was not stored.
                LogBehindRetryAfterDisposal();
            }
        }, TaskScheduler.Default);
    }

    /// <summary>At shutdown: waits for write-behind events to commit; reports (as a count, no content) any the store never took.</summary>
    private async Task DrainBehindAsync()
    {
        for (var deadline = DateTime.UtcNow + _database.Timeout; !_behind.IsEmpty && DateTime.UtcNow < deadline;)
        {
            await SettleAsync(TimeSpan.FromMilliseconds(250), CancellationToken.None);
        }
        if (!_behind.IsEmpty)
        {
            LogBehindLost(_behind.Count, _database.Description);
        }
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "An answered hot-path audit event could not be serialized ({Exception}) and was not stored.")]
    private partial void LogNotSerialized(string exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A write-behind audit event could not be queued again: the store is shutting down.")]
    private partial void LogBehindRetryAfterDisposal();

    [LoggerMessage(Level = LogLevel.Critical, Message = "{Count} audit events of answered hot-path requests were not stored in {Database} before shutdown.")]
    private partial void LogBehindLost(int count, string database);
}
