using System.Collections.Concurrent;
using System.Data.Common;
using Identity.Grains.Audit;

namespace Identity.Api.Audit;

/// <summary>
/// Write-behind appends for the hot paths ARCHITECTURE.md keeps off the database round trip: the event joins the next
/// group commit, but its caller answers without waiting for the disk (README, "Audit trail", Hot paths).
/// </summary>
/// <remarks>
/// A failed commit moves its write-behind events to a retry backlog, fed back to the writer one batch per pause so waiting
/// callers are not held up behind it; a retried event already stored (its commit was acknowledged late) is not stored
/// twice. Hot paths fail closed: while <see cref="_failing"/>, before the schema is installed, or with
/// <see cref="MaximumBehind"/> events outstanding, <see cref="TryAppendBehind"/> refuses and the caller waits.
/// </remarks>
public sealed partial class AuditStore
{
    /// <summary>Events answered and not yet committed, at most: beyond it hot paths wait for their commit (back-pressure).</summary>
    public const int MaximumBehind = 20_000;

    private static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(200);

    private readonly ConcurrentDictionary<PendingAppend, byte> _behind = new(ReferenceEqualityComparer.Instance);
    private readonly ConcurrentQueue<PendingAppend> _retries = new();
    private int _behindCount;
    private int _retryScheduled;

    /// <summary>Set by any failed append, cleared by any commit: while set, hot paths wait for their commit like everyone else.</summary>
    private volatile bool _failing;

    /// <summary>Set at shutdown once the drain's deadline passed: failed write-behind events are no longer retried.</summary>
    private volatile bool _stopRetrying;

    /// <summary>Events answered and not yet committed.</summary>
    public int Behind => Volatile.Read(ref _behindCount);

    /// <summary>
    /// Queues the event for the next group commit without waiting for it; false (nothing queued) when the caller must use
    /// <see cref="AppendAsync"/> instead. <paramref name="serialize"/> (the event's canonical JSON) runs on the writer.
    /// </summary>
    public bool TryAppendBehind(Func<string> serialize, DateTimeOffset recorded)
    {
        if (_failing || !_installed || Behind >= MaximumBehind)
        {
            return false;
        }
        var append = new PendingAppend(serialize, recorded);
        Track(append);
        if (!_appends.TryEnqueue(append))
        {
            Untrack(append);
            return false;
        }
        return true;
    }

    /// <summary>
    /// Waits (at most <paramref name="timeout"/>) until the events this process answered before the call are committed, so
    /// a read through this instance sees every decision and introspection it answered; false when they are not.
    /// </summary>
    public async Task<bool> SettleAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (_behind.IsEmpty)
        {
            return true;
        }
        var settled = Task.WhenAll(_behind.Keys.Select(append => append.Stored.Task));
        try
        {
            await settled.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            return false;
        }
        catch (OperationCanceledException) when (settled.IsCanceled && !cancellationToken.IsCancellationRequested)
        {
            // An event that could not be serialized was dropped (and reported) meanwhile.
        }
        return true;
    }

    private void Track(PendingAppend append)
    {
        _behind[append] = 0;
        Interlocked.Increment(ref _behindCount);
    }

    private void Untrack(PendingAppend append)
    {
        if (_behind.TryRemove(append, out _))
        {
            Interlocked.Decrement(ref _behindCount);
        }
    }

    /// <summary>False for an event that cannot be serialized (a bug, never bad input): it is reported and dropped.</summary>
    private bool TryMaterialize(PendingAppend append)
    {
        try
        {
            append.Materialize();
            return true;
        }
        catch (Exception e)
        {
            Untrack(append);
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
            Untrack(append);
        }
        append.Stored.TrySetResult(entry);
    }

    /// <summary>
    /// Reports the append as not stored and forgets its chain's head, which the failure may have left unknown. A caller that
    /// waits gets the failure; a write-behind event (its caller answered already) goes to the retry backlog, once per attempt.
    /// </summary>
    private void Fail(PendingAppend append, AuditUnavailableException e)
    {
        _failing = true;
        if (append.HasIndex)
        {
            _heads.TryRemove(append.Chain, out _);
        }
        if (!append.Behind)
        {
            append.Stored.TrySetException(e);
        }
        else if (append.TryRelease())
        {
            append.Attempts++;
            _retries.Enqueue(append);
            ScheduleRetry();
        }
    }

    /// <summary>One batch of the retry backlog goes back to the writer per <see cref="RetryPause"/>.</summary>
    private void ScheduleRetry()
    {
        if (_stopRetrying || Interlocked.CompareExchange(ref _retryScheduled, 1, 0) != 0)
        {
            return;
        }
        _ = Task.Delay(RetryPause).ContinueWith(pause =>
        {
            Volatile.Write(ref _retryScheduled, 0);
            for (var i = 0; i < MaximumBatch && !_stopRetrying && _retries.TryPeek(out var append) && _appends.TryEnqueue(append); i++)
            {
                _retries.TryDequeue(out _);
            }
            if (!_retries.IsEmpty)
            {
                ScheduleRetry();
            }
        }, TaskScheduler.Default);
    }

    /// <summary>Of a batch, the retried events that are stored already (a commit acknowledged too late): marked stored, not inserted again.</summary>
    private async Task<List<PendingAppend>> WithoutStoredRetriesAsync(List<PendingAppend> batch)
    {
        if (!batch.Exists(append => append.Attempts > 0))
        {
            return batch;
        }
        var remaining = new List<PendingAppend>(batch.Count);
        await using var connection = await OpenAsync(writer: true, CancellationToken.None);
        foreach (var append in batch)
        {
            if (append.Attempts > 0 && await FindEntryAsync(connection, append.Index.EventId, CancellationToken.None) is { } stored)
            {
                Stored(append, stored);
            }
            else
            {
                remaining.Add(append);
            }
        }
        return remaining;
    }

    private static async Task<AuditEntry?> FindEntryAsync(DbConnection connection, string eventId, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM audit_entries WHERE event_id = @id";
        Add(command, "id", eventId);
        return (await ReadEntriesAsync(command, cancellationToken)).FirstOrDefault();
    }

    /// <summary>At shutdown: waits (at most the store timeout) for write-behind events to commit, then stops retrying.</summary>
    private async Task DrainBehindAsync()
    {
        for (var deadline = DateTime.UtcNow + _database.Timeout; !_behind.IsEmpty && DateTime.UtcNow < deadline;)
        {
            await SettleAsync(TimeSpan.FromMilliseconds(250), CancellationToken.None);
        }
        _stopRetrying = true;
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "An answered hot-path audit event could not be serialized ({Exception}) and was not stored.")]
    private partial void LogNotSerialized(string exception);

    [LoggerMessage(Level = LogLevel.Critical, Message = "{Count} audit events of answered hot-path requests were not stored in {Database} before shutdown.")]
    private partial void LogBehindLost(int count, string database);
}
