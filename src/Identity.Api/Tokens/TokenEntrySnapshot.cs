using System.Security.Claims;
using OpenIddict.Abstractions;

namespace Identity.Api.Tokens;

/// <summary>What OpenIddict restores onto a token's principal from its stored entry (<c>RestoreTokenEntryProperties</c>).</summary>
public sealed record TokenEntrySnapshot(DateTimeOffset? Created, DateTimeOffset? Expires, string? AuthorizationId, string? Type)
{
    public static TokenEntrySnapshot Of(ClaimsPrincipal principal) =>
        new(principal.GetCreationDate(), principal.GetExpirationDate(), principal.GetAuthorizationId(), principal.GetTokenType());

    public void ApplyTo(ClaimsPrincipal principal, string tokenId) =>
        principal.SetCreationDate(Created).SetExpirationDate(Expires).SetAuthorizationId(AuthorizationId).SetTokenId(tokenId).SetTokenType(Type);
}
