using System.Diagnostics.CodeAnalysis;
using System.Security.Claims;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Validation;
using static OpenIddict.Abstractions.OpenIddictConstants;
using ServerProtection = OpenIddict.Server.OpenIddictServerHandlers.Protection;
using ServerValidateToken = OpenIddict.Server.OpenIddictServerEvents.ValidateTokenContext;
using ValidationProtection = OpenIddict.Validation.OpenIddictValidationHandlers.Protection;
using ValidationValidateToken = OpenIddict.Validation.OpenIddictValidationEvents.ValidateTokenContext;

namespace Identity.Api.Tokens;

/// <summary>
/// In place of OpenIddict's <c>RestoreTokenEntryProperties</c>: a JWT access token whose entry was read as valid moments ago
/// gets the entry's properties (dates, authorization, type) from <see cref="TokenStateCache"/>, and
/// <see cref="CachedEntryValidation"/> then skips the status read. Every other token is restored by OpenIddict's handler
/// from the store, after the cache's epoch was noted so the verdict can be remembered safely.
/// </summary>
public sealed class CachedEntryRestore(IOpenIddictTokenManager tokens, TokenStateCache cache) :
    IOpenIddictServerHandler<ServerValidateToken>,
    IOpenIddictValidationHandler<ValidationValidateToken>
{
    public ValueTask HandleAsync(ServerValidateToken context)
    {
        // The server validates every kind of token; only access tokens are ever remembered.
        var accessToken = context.Principal?.HasTokenType(TokenTypeIdentifiers.AccessToken) is true;
        if (accessToken && TryRestore(context.Principal, context.IsReferenceToken, context.Transaction.Properties, out var tokenId, out var entry))
        {
            (context.TokenId, context.AuthorizationId) = (tokenId, entry.AuthorizationId);
            return ValueTask.CompletedTask;
        }
        return new ServerProtection.RestoreTokenEntryProperties(tokens).HandleAsync(context);
    }

    public ValueTask HandleAsync(ValidationValidateToken context)
    {
        // The validation stack accepts access tokens only.
        if (TryRestore(context.Principal, context.IsReferenceToken, context.Transaction.Properties, out var tokenId, out var entry))
        {
            (context.TokenId, context.AuthorizationId) = (tokenId, entry.AuthorizationId);
            return ValueTask.CompletedTask;
        }
        return new ValidationProtection.RestoreTokenEntryProperties(tokens).HandleAsync(context);
    }

    /// <summary>Applies a remembered entry, or notes the epoch before the store is read.</summary>
    private bool TryRestore(ClaimsPrincipal? principal, bool isReferenceToken, IDictionary<string, object?> properties,
        [NotNullWhen(true)] out string? tokenId, [NotNullWhen(true)] out TokenEntrySnapshot? entry)
    {
        tokenId = principal?.GetTokenId();
        entry = null;
        if (principal is null || string.IsNullOrEmpty(tokenId))
        {
            return false;
        }
        if (!isReferenceToken && cache.TryGetValidToken(tokenId, out entry))
        {
            entry.ApplyTo(principal, tokenId);
            properties[CachedEntryValidation.AnsweredFromCache(tokenId)] = true;
            return true;
        }
        properties[CachedEntryValidation.EpochBeforeRead(tokenId)] = cache.Epoch;
        return false;
    }
}
