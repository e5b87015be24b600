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
        if (context.Principal is { } principal && principal.GetTokenId() is { Length: > 0 } tokenId && !context.IsReferenceToken
            && principal.HasTokenType(TokenTypeIdentifiers.AccessToken) && cache.TryGetValidToken(tokenId, out var entry))
        {
            entry.ApplyTo(principal, tokenId);
            (context.TokenId, context.AuthorizationId) = (tokenId, entry.AuthorizationId);
            context.Transaction.Properties[CachedEntryValidation.AnsweredFromCache(tokenId)] = true;
            return ValueTask.CompletedTask;
        }
        if (context.Principal?.GetTokenId() is { Length: > 0 } id)
        {
            context.Transaction.Properties[CachedEntryValidation.EpochBeforeRead(id)] = cache.Epoch;
        }
        return new ServerProtection.RestoreTokenEntryProperties(tokens).HandleAsync(context);
    }

    public ValueTask HandleAsync(ValidationValidateToken context)
    {
        if (context.Principal is { } principal && principal.GetTokenId() is { Length: > 0 } tokenId && !context.IsReferenceToken
            && cache.TryGetValidToken(tokenId, out var entry))
        {
            entry.ApplyTo(principal, tokenId);
            (context.TokenId, context.AuthorizationId) = (tokenId, entry.AuthorizationId);
            context.Transaction.Properties[CachedEntryValidation.AnsweredFromCache(tokenId)] = true;
            return ValueTask.CompletedTask;
        }
        if (context.Principal?.GetTokenId() is { Length: > 0 } id)
        {
            context.Transaction.Properties[CachedEntryValidation.EpochBeforeRead(id)] = cache.Epoch;
        }
        return new ValidationProtection.RestoreTokenEntryProperties(tokens).HandleAsync(context);
    }
}
