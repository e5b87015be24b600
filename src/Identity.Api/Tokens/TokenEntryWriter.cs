using Identity.Api.Hosting;
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
public sealed partial class TokenEntryWriter : IAsyncDisposable
{
    private const int MaximumBatch = 256;

    private readonly IServiceScopeFactory _scopes;
    private readonly ILogger<TokenEntryWriter> _logger;
    private readonly GroupCommitQueue<PendingEntry> _entries;

    public TokenEntryWriter(IServiceScopeFactory scopes, ILogger<TokenEntryWriter> logger)
    {
        _scopes = scopes;
        _logger = logger;
        _entries = new(WriteEntriesAsync, MaximumBatch);
    }

    /// <summary>Inserts a copy of <paramref name="token"/> (its id already assigned) and returns once it is committed.</summary>
    public async Task InsertAsync(OpenIddictEntityFrameworkCoreToken token, CancellationToken cancellationToken)
    {
        var pending = new PendingEntry(Copy(token), token.Application?.Id, token.Authorization?.Id);
        _entries.Enqueue(pending);
        await pending.Stored.Task.WaitAsync(cancellationToken);
    }

    public ValueTask DisposeAsync() => _entries.DisposeAsync();

    private async Task WriteEntriesAsync(List<PendingEntry> batch)
    {
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
        await using var scope = _scopes.CreateAsyncScope();
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
