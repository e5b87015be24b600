using System.Data.Common;
using Identity.Grains.Audit;

namespace Identity.Api.Audit;

/// <summary>
/// Group commit. One writer per process takes every append waiting at that moment (up to <see cref="MaximumBatch"/>),
/// chains them onto their heads and inserts them in one transaction, so the disk sync a durable commit costs (about 3 ms
/// on this machine's SQLite, see bench/RESULTS.md) is paid once per batch rather than once per event, and events of one
/// chain (all client-credentials tokens share the system chain) no longer queue behind each other's syncs. An append is
/// acknowledged only after its batch committed. If another process appended to one of the chains meanwhile (unique
/// violation on (chain, sequence)) the batch rolls back and its events are appended one at a time with fresh heads.
/// </summary>
public sealed partial class AuditStore
{
    private const int MaximumBatch = 256;
    private const int MaximumAttempts = 50;

    private readonly SemaphoreSlim _writing = new(1, 1);

    /// <summary>One batch from <see cref="_appends"/>; a purge never runs in the middle of one.</summary>
    private async Task WriteAppendsAsync(List<PendingAppend> batch)
    {
        // Not written: appends whose caller gave up waiting before the writer took them, events that cannot be serialized,
        // and at shutdown retries of write-behind events once the drain's deadline passed.
        batch.RemoveAll(append => !append.TryTake() || !TryMaterialize(append) || _stopRetrying && append.Attempts > 0);
        if (batch.Count == 0)
        {
            return;
        }
        await _writing.WaitAsync();
        try
        {
            await WriteBatchAsync(batch);
        }
        catch (Exception e)
        {
            // Nothing may be left waiting forever; what was not completed is reported as not stored.
            var failure = e as AuditUnavailableException ?? Unavailable("append the audit entry", e);
            batch.Where(append => !append.Stored.Task.IsCompleted).ToList().ForEach(append => Fail(append, failure));
        }
        finally
        {
            _writing.Release();
        }
    }

    private async Task WriteBatchAsync(List<PendingAppend> batch)
    {
        batch = await Guard(() => WithoutStoredRetriesAsync(batch), "check retried audit entries");
        if (batch.Count > 1)
        {
            try
            {
                var entries = await Guard(() => InsertBatchAsync(batch), "append the audit entries");
                for (var i = 0; i < batch.Count; i++)
                {
                    Stored(batch[i], entries[i]);
                }
                return;
            }
            catch (AuditUnavailableException e) when (IsUniqueViolation(e.InnerException))
            {
                foreach (var append in batch)
                {
                    _heads.TryRemove(append.Chain, out _);
                }
            }
            catch (AuditUnavailableException e)
            {
                // The commit may or may not have happened; the next append re-reads the heads from the store.
                batch.ForEach(append => Fail(append, e));
                return;
            }
        }
        foreach (var append in batch)
        {
            try
            {
                Stored(append, await AppendOneAsync(append));
            }
            catch (AuditUnavailableException e)
            {
                Fail(append, e);
            }
        }
    }

    /// <summary>Inserts the batch in one transaction; the heads are cached only after the commit.</summary>
    private async Task<AuditEntry[]> InsertBatchAsync(List<PendingAppend> batch)
    {
        await using var connection = await OpenAsync(writer: true, CancellationToken.None);
        var heads = new Dictionary<Guid, AuditChainHead>();
        foreach (var append in batch)
        {
            if (!heads.ContainsKey(append.Chain))
            {
                heads[append.Chain] = await HeadAsync(connection, append.Chain);
            }
        }
        var entries = new AuditEntry[batch.Count];
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            for (var i = 0; i < batch.Count; i++)
            {
                var entry = AuditEntry.Append(heads[batch[i].Chain], batch[i].Recorded, batch[i].EventJson, batch[i].Index);
                await InsertAsync(connection, transaction, entry, CancellationToken.None);
                heads[entry.Chain] = entry.AsHead();
                entries[i] = entry;
            }
            await transaction.CommitAsync();
        }
        RememberHeads(heads.Values);
        return entries;
    }

    /// <summary>One entry in its own transaction, re-reading the head after another process won the race for a sequence.</summary>
    private async Task<AuditEntry> AppendOneAsync(PendingAppend append)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await Guard(async () =>
                {
                    await using var connection = await OpenAsync(writer: true, CancellationToken.None);
                    var entry = AuditEntry.Append(await HeadAsync(connection, append.Chain), append.Recorded, append.EventJson, append.Index);
                    await InsertAsync(connection, null, entry, CancellationToken.None);
                    RememberHeads([entry.AsHead()]);
                    return entry;
                }, "append the audit entry");
            }
            catch (AuditUnavailableException e) when (IsUniqueViolation(e.InnerException) && attempt < MaximumAttempts)
            {
                _heads.TryRemove(append.Chain, out _);
                LogChainRace(AuditChains.Describe(append.Chain), attempt);
                // Jitter so instances racing for the same chain stop colliding.
                await Task.Delay(Random.Shared.Next(0, Math.Min(attempt, 10)));
            }
        }
    }

    /// <summary>The chain's last entry as this process last wrote it, else as the store has it.</summary>
    private async ValueTask<AuditChainHead> HeadAsync(DbConnection connection, Guid chain) =>
        _heads.TryGetValue(chain, out var cached) ? cached : await ReadHeadAsync(connection, chain, CancellationToken.None);

    private void RememberHeads(IEnumerable<AuditChainHead> heads)
    {
        if (_heads.Count >= MaximumCachedHeads)
        {
            _heads.Clear();
        }
        foreach (var head in heads)
        {
            _heads[head.Chain] = head;
        }
    }

    /// <summary>
    /// An event waiting for its commit. A write-behind event (<see cref="Behind"/>: its caller answered already) is
    /// serialized by the writer (<see cref="Materialize"/>), off the request's path; any other arrives serialized.
    /// </summary>
    private sealed class PendingAppend
    {
        private const int Waiting = 0;
        private const int Taken = 1;
        private const int Abandoned = 2;

        private Func<string>? _serialize;
        private string? _eventJson;
        private AuditEventIndex? _index;
        private int _state;

        public PendingAppend(string eventJson, DateTimeOffset recorded)
        {
            _eventJson = eventJson;
            _index = AuditEventIndex.Read(eventJson);
            Recorded = recorded;
        }

        public PendingAppend(Func<string> serialize, DateTimeOffset recorded)
        {
            _serialize = serialize;
            Recorded = recorded;
            Behind = true;
        }

        public DateTimeOffset Recorded { get; }

        public bool Behind { get; }

        public string EventJson => _eventJson ?? throw new InvalidOperationException("Not serialized yet.");

        public AuditEventIndex Index => _index ?? throw new InvalidOperationException("Not serialized yet.");

        public Guid Chain => Index.Chain;

        public bool HasIndex => _index is not null;

        /// <summary>Failed commits of this (write-behind) event so far; written by the writer only.</summary>
        public int Attempts { get; set; }

        /// <summary>The writer takes it for a batch; false when its caller abandoned it first.</summary>
        public bool TryTake() => Interlocked.CompareExchange(ref _state, Taken, Waiting) == Waiting;

        /// <summary>The caller stops waiting; false when the writer has taken it already (its outcome is then coming).</summary>
        public bool TryAbandon() => Interlocked.CompareExchange(ref _state, Abandoned, Waiting) == Waiting;

        /// <summary>After a failed commit, a taken write-behind event waits again, for a retry; false if released already.</summary>
        public bool TryRelease() => Interlocked.CompareExchange(ref _state, Waiting, Taken) == Taken;

        public TaskCompletionSource<AuditEntry> Stored { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Serializes a write-behind event once (the writer calls it before the event's first batch).</summary>
        public void Materialize()
        {
            if (_serialize is { } serialize)
            {
                var json = serialize();
                _index = AuditEventIndex.Read(json);
                _eventJson = json;
                _serialize = null;
            }
        }
    }
}
