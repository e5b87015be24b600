using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using OpenIddict.EntityFrameworkCore;
using OpenIddict.EntityFrameworkCore.Models;

namespace Identity.Api.Tokens;

/// <summary>OpenIddict's EF Core token store, except that new entries are committed in groups by <see cref="TokenEntryWriter"/>.</summary>
public sealed class TokenEntryStore(
    IMemoryCache cache, IOpenIddictEntityFrameworkCoreContext context, IOptionsMonitor<OpenIddictEntityFrameworkCoreOptions> options,
    TokenEntryWriter writer) : OpenIddictEntityFrameworkCoreTokenStore(cache, context, options)
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
}
