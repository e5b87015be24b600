using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using OpenIddict.EntityFrameworkCore;
using OpenIddict.EntityFrameworkCore.Models;

namespace Identity.Api.Tokens;

/// <summary>
/// OpenIddict's EF Core token store, except that new entries are committed in groups by <see cref="TokenEntryWriter"/>
/// and every committed change to existing entries is published to the instances' <see cref="TokenStateCache"/>.
/// </summary>
public sealed class TokenEntryStore(
    IMemoryCache cache, IOpenIddictEntityFrameworkCoreContext context, IOptionsMonitor<OpenIddictEntityFrameworkCoreOptions> options,
    TokenEntryWriter writer, ITokenStateFanOut changes) : OpenIddictEntityFrameworkCoreTokenStore(cache, context, options)
{
    public override async ValueTask CreateAsync(OpenIddictEntityFrameworkCoreToken token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        var db = await Context.GetDbContextAsync(cancellationToken);
        // The identifier EF Core would have generated on insert.
        token.Id ??= Guid.NewGuid().ToString();
        await writer.InsertAsync(token, cancellationToken);
        // The row exists now: later updates in this request (redemption, revocation) go through this context as usual.
        var entry = db.Attach(token);
        // Both navigations are what the store set before the insert; nothing more to load.
        entry.Reference(t => t.Application).IsLoaded = true;
        entry.Reference(t => t.Authorization).IsLoaded = true;
    }

    public override ValueTask UpdateAsync(OpenIddictEntityFrameworkCoreToken token, CancellationToken cancellationToken) =>
        changes.PublishAfterAsync(base.UpdateAsync(token, cancellationToken), TokenStateChange.OfToken(token.Id));

    public override ValueTask DeleteAsync(OpenIddictEntityFrameworkCoreToken token, CancellationToken cancellationToken) =>
        changes.PublishAfterAsync(base.DeleteAsync(token, cancellationToken), TokenStateChange.OfToken(token.Id));

    // Bulk changes do not say which entries they touched, so every instance forgets everything it remembered.
    public override ValueTask<long> RevokeAsync(string? subject, string? client, string? status, string? type, CancellationToken cancellationToken) =>
        changes.PublishAfterAsync(base.RevokeAsync(subject, client, status, type, cancellationToken), TokenStateChange.Everything);

    public override ValueTask<long> RevokeByApplicationIdAsync(string identifier, CancellationToken cancellationToken) =>
        changes.PublishAfterAsync(base.RevokeByApplicationIdAsync(identifier, cancellationToken), TokenStateChange.Everything);

    public override ValueTask<long> RevokeByAuthorizationIdAsync(string identifier, CancellationToken cancellationToken) =>
        changes.PublishAfterAsync(base.RevokeByAuthorizationIdAsync(identifier, cancellationToken), TokenStateChange.Everything);

    public override ValueTask<long> RevokeBySubjectAsync(string subject, CancellationToken cancellationToken) =>
        changes.PublishAfterAsync(base.RevokeBySubjectAsync(subject, cancellationToken), TokenStateChange.Everything);

    public override ValueTask<long> PruneAsync(DateTimeOffset threshold, CancellationToken cancellationToken) =>
        changes.PublishAfterAsync(base.PruneAsync(threshold, cancellationToken), TokenStateChange.Everything);
}
