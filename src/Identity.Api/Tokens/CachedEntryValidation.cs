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
/// Token entry and authorization entry validation (kept on, GHSA-cxgj-hwwh-855g) in both the server stack (introspection,
/// userinfo, presented tokens) and the validation stack (this service's own APIs), answered from <see cref="TokenStateCache"/>
/// when an access token or its authorization was read as valid moments ago. Otherwise OpenIddict's own handlers decide,
/// exactly as before, and a "valid" verdict is remembered with the epoch read before the entry was. Refresh tokens and
/// codes always go to OpenIddict's handlers. Two steps, in the places of the handlers they wrap:
/// <see cref="CachedEntryRestore"/> (the entry's properties) and this one (status of the entry and its authorization).
/// </summary>
public sealed class CachedEntryValidation(IOpenIddictTokenManager tokens, IOpenIddictAuthorizationManager authorizations, TokenStateCache cache) :
    IOpenIddictServerHandler<ServerValidateToken>,
    IOpenIddictValidationHandler<ValidationValidateToken>
{
    // Per token: one request can validate several (token exchange: subject and actor tokens).
    internal static string AnsweredFromCache(string tokenId) => "identityconsent:token-state:cached:" + tokenId;

    internal static string EpochBeforeRead(string tokenId) => "identityconsent:token-state:epoch:" + tokenId;

    public static IEnumerable<OpenIddictServerHandlerDescriptor> ServerReplaced { get; } =
    [
        ServerProtection.RestoreTokenEntryProperties.Descriptor,
        ServerProtection.ValidateTokenEntry.Descriptor,
        ServerProtection.ValidateAuthorizationEntry.Descriptor,
    ];

    public static IEnumerable<OpenIddictValidationHandlerDescriptor> ValidationReplaced { get; } =
    [
        ValidationProtection.RestoreTokenEntryProperties.Descriptor,
        ValidationProtection.ValidateTokenEntry.Descriptor,
        ValidationProtection.ValidateAuthorizationEntry.Descriptor,
    ];

    public static IEnumerable<OpenIddictServerHandlerDescriptor> ServerDescriptors { get; } =
    [
        OpenIddictServerHandlerDescriptor.CreateBuilder<ServerValidateToken>()
            .AddFilter<OpenIddictServerHandlerFilters.RequireDegradedModeDisabled>()
            .AddFilter<OpenIddictServerHandlerFilters.RequireTokenStorageEnabled>()
            .UseScopedHandler<CachedEntryRestore>()
            .SetOrder(ServerProtection.RestoreTokenEntryProperties.Descriptor.Order)
            .SetType(OpenIddictServerHandlerType.Custom).Build(),
        // In the token entry's place; the authorization check it also makes came right after it.
        OpenIddictServerHandlerDescriptor.CreateBuilder<ServerValidateToken>()
            .AddFilter<OpenIddictServerHandlerFilters.RequireDegradedModeDisabled>()
            .UseScopedHandler<CachedEntryValidation>()
            .SetOrder(ServerProtection.ValidateTokenEntry.Descriptor.Order)
            .SetType(OpenIddictServerHandlerType.Custom).Build(),
    ];

    public static IEnumerable<OpenIddictValidationHandlerDescriptor> ValidationDescriptors { get; } =
    [
        OpenIddictValidationHandlerDescriptor.CreateBuilder<ValidationValidateToken>()
            .AddFilter<OpenIddictValidationHandlerFilters.RequireTokenEntryValidationEnabled>()
            .UseScopedHandler<CachedEntryRestore>()
            .SetOrder(ValidationProtection.RestoreTokenEntryProperties.Descriptor.Order)
            .SetType(OpenIddictValidationHandlerType.Custom).Build(),
        OpenIddictValidationHandlerDescriptor.CreateBuilder<ValidationValidateToken>()
            .UseScopedHandler<CachedEntryValidation>()
            .SetOrder(ValidationProtection.ValidateTokenEntry.Descriptor.Order)
            .SetType(OpenIddictValidationHandlerType.Custom).Build(),
    ];

    public async ValueTask HandleAsync(ServerValidateToken context)
    {
        if (!context.Options.DisableTokenStorage && !string.IsNullOrEmpty(context.TokenId))
        {
            // Only access tokens are remembered: codes and refresh tokens change when they are redeemed.
            var rememberable = context.Principal?.HasTokenType(TokenTypeIdentifiers.AccessToken) is true && !context.IsReferenceToken;
            await TokenEntryAsync(context.TokenId, context.Transaction.Properties, rememberable ? context.Principal : null,
                () => new ServerProtection.ValidateTokenEntry(tokens).HandleAsync(context), () => context.IsRejected);
        }
        if (!context.IsRejected && !context.Options.DisableAuthorizationStorage && !string.IsNullOrEmpty(context.AuthorizationId))
        {
            await AuthorizationEntryAsync(context.AuthorizationId,
                () => new ServerProtection.ValidateAuthorizationEntry(authorizations).HandleAsync(context), () => context.IsRejected);
        }
    }

    public async ValueTask HandleAsync(ValidationValidateToken context)
    {
        if (context.Options.EnableTokenEntryValidation && !string.IsNullOrEmpty(context.TokenId))
        {
            // The validation stack accepts access tokens only.
            await TokenEntryAsync(context.TokenId, context.Transaction.Properties, context.IsReferenceToken ? null : context.Principal,
                () => new ValidationProtection.ValidateTokenEntry(tokens).HandleAsync(context), () => context.IsRejected);
        }
        if (!context.IsRejected && context.Options.EnableAuthorizationEntryValidation && !string.IsNullOrEmpty(context.AuthorizationId))
        {
            await AuthorizationEntryAsync(context.AuthorizationId,
                () => new ValidationProtection.ValidateAuthorizationEntry(authorizations).HandleAsync(context), () => context.IsRejected);
        }
    }

    /// <summary>
    /// OpenIddict's token entry check (<paramref name="check"/>) unless the entry was answered from the cache; a valid entry
    /// of a <paramref name="rememberable"/> token is remembered under the epoch read before the entry was.
    /// </summary>
    private async ValueTask TokenEntryAsync(string tokenId, IDictionary<string, object?> properties, ClaimsPrincipal? rememberable,
        Func<ValueTask> check, Func<bool> rejected)
    {
        if (properties.ContainsKey(AnsweredFromCache(tokenId)))
        {
            return;
        }
        await check();
        if (!rejected() && rememberable is not null)
        {
            cache.RememberValidToken(tokenId, TokenEntrySnapshot.Of(rememberable), EpochOf(properties, tokenId));
        }
    }

    /// <summary>OpenIddict's authorization entry check (<paramref name="check"/>) unless the authorization was just read as valid.</summary>
    private async ValueTask AuthorizationEntryAsync(string authorizationId, Func<ValueTask> check, Func<bool> rejected)
    {
        if (cache.IsValidAuthorization(authorizationId))
        {
            return;
        }
        var epoch = cache.Epoch;
        await check();
        if (!rejected())
        {
            cache.RememberValidAuthorization(authorizationId, epoch);
        }
    }

    /// <summary>The epoch read before the entry was; without one (nothing was read through us) nothing may be remembered.</summary>
    private static long EpochOf(IDictionary<string, object?> properties, string tokenId) =>
        properties.TryGetValue(EpochBeforeRead(tokenId), out var epoch) && epoch is long value ? value : long.MinValue;
}
