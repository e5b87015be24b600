using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using OpenIddict.EntityFrameworkCore.Models;

namespace Identity.Api.Tokens;

/// <summary>
/// Group commit for new token entries. OpenIddict stores an entry for every token it issues (token entry validation needs
/// it, see GHSA-cxgj-hwwh-855g in the README) and its EF Core store commits each one in its own transaction; with SQLite's
/// durable <c>synchronous = FULL</c> that is one disk sync per token, which alone capped issuance near 370 tokens/s here.
/// One writer per process inserts every entry waiting at that moment in one transaction; each request is answered only
/// after the transaction holding its entry committed, so durability is unchanged. A batch that fails is retried one entry
/// at a time so one bad entry cannot fail the others.
/// </summary>
public sealed partial class TokenEntryWriter(IServiceScopeFactory scopes, ILogger<TokenEntryWriter> logger) : IAsyncDisposable
{
    private const int MaximumBatch = 256;

    private readonly Channel<PendingEntry> _entries = Channel.CreateUnbounded<PendingEntry>(new UnboundedChannelOptions { SingleReader = true });
    private Task? _writer;

    /// <summary>Inserts a copy of <paramref name="token"/> (its id already assigned) and returns once it is committed.</summary>
    public async Task InsertAsync(OpenIddictEntityFrameworkCoreToken token, CancellationToken cancellationToken)
    {
        var pending = new PendingEntry(Copy(token), token.Application?.Id, token.Authorization?.Id);
        if (!_entries.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(TokenEntryWriter));
        }
        EnsureStarted();
        await pending.Stored.Task.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        _entries.Writer.TryComplete();
        if (Volatile.Read(ref _writer) is { } writer)
        {
            await writer;
        }
    }

    private void EnsureStarted()
    {
        if (Volatile.Read(ref _writer) is null)
        {
            var started = new Task<Task>(WriteEntriesAsync);
            if (Interlocked.CompareExchange(ref _writer, started.Unwrap(), null) is null)
            {
                started.Start(TaskScheduler.Default);
            }
        }
    }

    private async Task WriteEntriesAsync()
    {
        var batch = new List<PendingEntry>(MaximumBatch);
        while (await _entries.Reader.WaitToReadAsync())
        {
            while (batch.Count < MaximumBatch && _entries.Reader.TryRead(out var next))
            {
                batch.Add(next);
            }
            try
            {
                await InsertBatchAsync(batch);
                batch.ForEach(entry => entry.Stored.TrySetResult());
            }
            catch (Exception e) when (batch.Count > 1)
            {
                LogBatchFailed(batch.Count, e.GetType().Name);
                foreach (var entry in batch)
                {
                    await InsertAloneAsync(entry);
                }
            }
            catch (Exception e)
            {
                batch[0].Stored.TrySetException(e);
            }
            finally
            {
                batch.Clear();
            }
        }
    }

    private async Task InsertAloneAsync(PendingEntry entry)
    {
        try
        {
            await InsertBatchAsync([entry]);
            entry.Stored.TrySetResult();
        }
        catch (Exception e)
        {
            entry.Stored.TrySetException(e);
        }
    }

    private async Task InsertBatchAsync(IReadOnlyList<PendingEntry> batch)
    {
        await using var scope = scopes.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<TokenDbContext>();
        context.ChangeTracker.AutoDetectChangesEnabled = false;
        foreach (var entry in batch)
        {
            var added = context.Add(entry.Token);
            added.Property(nameof(OpenIddictEntityFrameworkCoreToken.Application) + "Id").CurrentValue = entry.ApplicationId;
            added.Property(nameof(OpenIddictEntityFrameworkCoreToken.Authorization) + "Id").CurrentValue = entry.AuthorizationId;
        }
        await context.SaveChangesAsync();
    }

    /// <summary>The row's values without the navigations, which belong to the requesting scope's context.</summary>
    private static OpenIddictEntityFrameworkCoreToken Copy(OpenIddictEntityFrameworkCoreToken token) => new()
    {
        Id = token.Id,
        ConcurrencyToken = token.ConcurrencyToken,
        CreationDate = token.CreationDate,
        ExpirationDate = token.ExpirationDate,
        Payload = token.Payload,
        Properties = token.Properties,
        RedemptionDate = token.RedemptionDate,
        ReferenceId = token.ReferenceId,
        Status = token.Status,
        Subject = token.Subject,
        Type = token.Type,
    };

    private sealed record PendingEntry(OpenIddictEntityFrameworkCoreToken Token, string? ApplicationId, string? AuthorizationId)
    {
        public TaskCompletionSource Stored { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(3101, LogLevel.Warning, "A batch of {Count} token entries failed ({Error}); inserting them one at a time")]
    private partial void LogBatchFailed(int count, string error);
}
