using OpenIddict.Abstractions;

namespace Identity.Api.Consent;

/// <summary>
/// Ends an OAuth grant when its Consent stops being active: the OpenIddict authorization is revoked and so is every token
/// issued under it. OpenIddict's entity caches are per request (scoped) and the token service validates codes, refresh
/// tokens, introspected and presented access tokens against the shared store, so every instance sees the revocation at once.
/// </summary>
public sealed class GrantRevocation(IOpenIddictAuthorizationManager authorizations, IOpenIddictTokenManager tokens)
{
    public async Task RevokeAsync(string authorizationId, CancellationToken cancellationToken = default)
    {
        if (await authorizations.FindByIdAsync(authorizationId, cancellationToken) is { } authorization)
        {
            await authorizations.TryRevokeAsync(authorization, cancellationToken);
        }
        await tokens.RevokeByAuthorizationIdAsync(authorizationId, cancellationToken);
    }
}
