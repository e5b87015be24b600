using System.Threading.Channels;

namespace Identity.Api.Hosting;

/// <summary>
/// Items waiting to be written durably, handed to one writer in batches: the writer takes every item waiting at that
/// moment (up to <c>maximumBatch</c>) and writes them together, so the disk sync a commit costs is paid once per batch.
/// The writer starts with the first item; <c>writeBatch</c> must report every item's outcome to whoever waits for it,
/// whether the batch succeeded or not.
/// </summary>
public sealed class GroupCommitQueue<TItem>(Func<List<TItem>, Task> writeBatch, int maximumBatch) : IAsyncDisposable
{
    private readonly Channel<TItem> _items = Channel.CreateUnbounded<TItem>(new UnboundedChannelOptions { SingleReader = true });
    private Task? _writer;

    /// <summary>Queues an item; the caller then waits for the item's own completion.</summary>
    public void Enqueue(TItem item)
    {
        if (!TryEnqueue(item))
        {
            throw new ObjectDisposedException(nameof(GroupCommitQueue<TItem>));
        }
    }

    /// <summary>Queues an item, or returns false once the queue is disposed.</summary>
    public bool TryEnqueue(TItem item)
    {
        if (!_items.Writer.TryWrite(item))
        {
            return false;
        }
        if (Volatile.Read(ref _writer) is null)
        {
            var started = new Task<Task>(WriteAsync);
            if (Interlocked.CompareExchange(ref _writer, started.Unwrap(), null) is null)
            {
                started.Start(TaskScheduler.Default);
            }
        }
        return true;
    }

    /// <summary>Writes what is queued, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _items.Writer.TryComplete();
        if (Volatile.Read(ref _writer) is { } writer)
        {
            await writer;
        }
    }

    private async Task WriteAsync()
    {
        var batch = new List<TItem>(maximumBatch);
        while (await _items.Reader.WaitToReadAsync())
        {
            while (batch.Count < maximumBatch && _items.Reader.TryRead(out var next))
            {
                batch.Add(next);
            }
            try
            {
                await writeBatch(batch);
            }
            catch (Exception)
            {
                // writeBatch reports each item's outcome itself; should it ever throw, the writer must live on for the
                // items behind this batch (whose callers would otherwise wait forever).
            }
            finally
            {
                batch.Clear();
            }
        }
    }
}
