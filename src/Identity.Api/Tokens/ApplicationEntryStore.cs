using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using OpenIddict.EntityFrameworkCore;
using OpenIddict.EntityFrameworkCore.Models;

namespace Identity.Api.Tokens;

/// <summary>
/// OpenIddict's EF Core application store, except that a client looked up moments ago comes from <see cref="TokenStateCache"/>
/// (as a copy attached to this request's context, so later reads and updates in the request work as usual) and every
/// committed change to any client makes every instance forget them all.
/// </summary>
public sealed class ApplicationEntryStore(
    IMemoryCache memoryCache, IOpenIddictEntityFrameworkCoreContext context, IOptionsMonitor<OpenIddictEntityFrameworkCoreOptions> options,
    TokenStateCache cache, ITokenStateFanOut changes) : OpenIddictEntityFrameworkCoreApplicationStore(memoryCache, context, options)
{
    public override async ValueTask<OpenIddictEntityFrameworkCoreApplication?> FindByClientIdAsync(string identifier, CancellationToken cancellationToken)
    {
        var db = await Context.GetDbContextAsync(cancellationToken);
        if (cache.TryGetClient(identifier, out var remembered))
        {
            // EF Core tracks one instance per key: reuse it if this request already has the client.
            if (db.Set<OpenIddictEntityFrameworkCoreApplication>().Local.FindEntry(remembered.Id!) is { } tracked)
            {
                return tracked.Entity;
            }
            var copy = Copy(remembered);
            db.Attach(copy);
            return copy;
        }
        var epoch = cache.Epoch;
        var application = await base.FindByClientIdAsync(identifier, cancellationToken);
        if (application is not null)
        {
            cache.RememberClient(identifier, Copy(application), epoch);
        }
        return application;
    }

    public override ValueTask CreateAsync(OpenIddictEntityFrameworkCoreApplication application, CancellationToken cancellationToken) =>
        changes.PublishAfterAsync(base.CreateAsync(application, cancellationToken), TokenStateChange.Everything);

    public override ValueTask UpdateAsync(OpenIddictEntityFrameworkCoreApplication application, CancellationToken cancellationToken) =>
        changes.PublishAfterAsync(base.UpdateAsync(application, cancellationToken), TokenStateChange.Everything);

    public override ValueTask DeleteAsync(OpenIddictEntityFrameworkCoreApplication application, CancellationToken cancellationToken) =>
        changes.PublishAfterAsync(base.DeleteAsync(application, cancellationToken), TokenStateChange.Everything);

    private static OpenIddictEntityFrameworkCoreApplication Copy(OpenIddictEntityFrameworkCoreApplication application) => new()
    {
        Id = application.Id,
        ApplicationType = application.ApplicationType,
        ClientId = application.ClientId,
        ClientSecret = application.ClientSecret,
        ClientType = application.ClientType,
        ConcurrencyToken = application.ConcurrencyToken,
        ConsentType = application.ConsentType,
        DisplayName = application.DisplayName,
        DisplayNames = application.DisplayNames,
        JsonWebKeySet = application.JsonWebKeySet,
        Permissions = application.Permissions,
        PostLogoutRedirectUris = application.PostLogoutRedirectUris,
        Properties = application.Properties,
        RedirectUris = application.RedirectUris,
        Requirements = application.Requirements,
        Settings = application.Settings,
    };
}
