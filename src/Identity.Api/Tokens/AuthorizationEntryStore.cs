using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using OpenIddict.EntityFrameworkCore;
using OpenIddict.EntityFrameworkCore.Models;

namespace Identity.Api.Tokens;

/// <summary>OpenIddict's EF Core authorization store; every committed change is published to the instances' <see cref="TokenStateCache"/>.</summary>
public sealed class AuthorizationEntryStore(
    IMemoryCache cache, IOpenIddictEntityFrameworkCoreContext context, IOptionsMonitor<OpenIddictEntityFrameworkCoreOptions> options,
    ITokenStateFanOut changes) : OpenIddictEntityFrameworkCoreAuthorizationStore(cache, context, options)
{
    public override ValueTask UpdateAsync(OpenIddictEntityFrameworkCoreAuthorization authorization, CancellationToken cancellationToken) =>
        changes.PublishAfterAsync(base.UpdateAsync(authorization, cancellationToken), TokenStateChange.OfAuthorization(authorization.Id));

    public override ValueTask DeleteAsync(OpenIddictEntityFrameworkCoreAuthorization authorization, CancellationToken cancellationToken) =>
        changes.PublishAfterAsync(base.DeleteAsync(authorization, cancellationToken), TokenStateChange.OfAuthorization(authorization.Id));

    public override ValueTask<long> RevokeAsync(string? subject, string? client, string? status, string? type, CancellationToken cancellationToken) =>
        changes.PublishAfterAsync(base.RevokeAsync(subject, client, status, type, cancellationToken), TokenStateChange.Everything);

    public override ValueTask<long> RevokeByApplicationIdAsync(string identifier, CancellationToken cancellationToken) =>
        changes.PublishAfterAsync(base.RevokeByApplicationIdAsync(identifier, cancellationToken), TokenStateChange.Everything);

    public override ValueTask<long> RevokeBySubjectAsync(string subject, CancellationToken cancellationToken) =>
        changes.PublishAfterAsync(base.RevokeBySubjectAsync(subject, cancellationToken), TokenStateChange.Everything);

    public override ValueTask<long> PruneAsync(DateTimeOffset threshold, CancellationToken cancellationToken) =>
        changes.PublishAfterAsync(base.PruneAsync(threshold, cancellationToken), TokenStateChange.Everything);
}
