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
        if (!context.Options.DisableTokenStorage && !string.IsNullOrEmpty(context.TokenId)
            && !context.Transaction.Properties.ContainsKey(AnsweredFromCache(context.TokenId)))
        {
            await new ServerProtection.ValidateTokenEntry(tokens).HandleAsync(context);
            if (context.IsRejected)
            {
                return;
            }
            if (context.Principal is { } principal && principal.HasTokenType(TokenTypeIdentifiers.AccessToken) && !context.IsReferenceToken)
            {
                cache.RememberValidToken(context.TokenId, TokenEntrySnapshot.Of(principal), EpochOf(context.Transaction.Properties, context.TokenId));
            }
        }
        if (!context.Options.DisableAuthorizationStorage && !string.IsNullOrEmpty(context.AuthorizationId)
            && !cache.IsValidAuthorization(context.AuthorizationId))
        {
            var epoch = cache.Epoch;
            await new ServerProtection.ValidateAuthorizationEntry(authorizations).HandleAsync(context);
            if (!context.IsRejected)
            {
                cache.RememberValidAuthorization(context.AuthorizationId, epoch);
            }
        }
    }

    public async ValueTask HandleAsync(ValidationValidateToken context)
    {
        if (context.Options.EnableTokenEntryValidation && !string.IsNullOrEmpty(context.TokenId)
            && !context.Transaction.Properties.ContainsKey(AnsweredFromCache(context.TokenId)))
        {
            await new ValidationProtection.ValidateTokenEntry(tokens).HandleAsync(context);
            if (context.IsRejected)
            {
                return;
            }
            // The validation stack accepts access tokens only.
            if (!context.IsReferenceToken && context.Principal is { } principal)
            {
                cache.RememberValidToken(context.TokenId, TokenEntrySnapshot.Of(principal), EpochOf(context.Transaction.Properties, context.TokenId));
            }
        }
        if (context.Options.EnableAuthorizationEntryValidation && !string.IsNullOrEmpty(context.AuthorizationId)
            && !cache.IsValidAuthorization(context.AuthorizationId))
        {
            var epoch = cache.Epoch;
            await new ValidationProtection.ValidateAuthorizationEntry(authorizations).HandleAsync(context);
            if (!context.IsRejected)
            {
                cache.RememberValidAuthorization(context.AuthorizationId, epoch);
            }
        }
    }

    /// <summary>The epoch read before the entry was; without one (nothing was read through us) nothing may be remembered.</summary>
    private static long EpochOf(IDictionary<string, object?> properties, string tokenId) =>
        properties.TryGetValue(EpochBeforeRead(tokenId), out var epoch) && epoch is long value ? value : long.MinValue;
}
