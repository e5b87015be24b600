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
/// when an access token or its authorization was read as valid moments ago. Otherwise OpenIddict's own handler decides,
/// exactly as before, and a "valid" verdict is remembered. Refresh tokens and codes always go to OpenIddict's handler.
/// </summary>
public sealed class CachedEntryValidation(IOpenIddictTokenManager tokens, IOpenIddictAuthorizationManager authorizations, TokenStateCache cache) :
    IOpenIddictServerHandler<ServerValidateToken>,
    IOpenIddictValidationHandler<ValidationValidateToken>
{
    public static IEnumerable<OpenIddictServerHandlerDescriptor> ServerReplaced { get; } =
        [ServerProtection.ValidateTokenEntry.Descriptor, ServerProtection.ValidateAuthorizationEntry.Descriptor];

    public static IEnumerable<OpenIddictValidationHandlerDescriptor> ValidationReplaced { get; } =
        [ValidationProtection.ValidateTokenEntry.Descriptor, ValidationProtection.ValidateAuthorizationEntry.Descriptor];

    /// <summary>One handler in the token entry's place; it also checks the authorization, which runs right after it.</summary>
    public static IEnumerable<OpenIddictServerHandlerDescriptor> ServerDescriptors { get; } =
    [
        OpenIddictServerHandlerDescriptor.CreateBuilder<ServerValidateToken>()
            .AddFilter<OpenIddictServerHandlerFilters.RequireDegradedModeDisabled>()
            .UseScopedHandler<CachedEntryValidation>()
            .SetOrder(ServerProtection.ValidateTokenEntry.Descriptor.Order)
            .SetType(OpenIddictServerHandlerType.Custom).Build(),
    ];

    public static IEnumerable<OpenIddictValidationHandlerDescriptor> ValidationDescriptors { get; } =
    [
        OpenIddictValidationHandlerDescriptor.CreateBuilder<ValidationValidateToken>()
            .UseScopedHandler<CachedEntryValidation>()
            .SetOrder(ValidationProtection.ValidateTokenEntry.Descriptor.Order)
            .SetType(OpenIddictValidationHandlerType.Custom).Build(),
    ];

    public async ValueTask HandleAsync(ServerValidateToken context)
    {
        var accessToken = context.Principal?.HasTokenType(TokenTypeIdentifiers.AccessToken) is true;
        if (!context.Options.DisableTokenStorage && !string.IsNullOrEmpty(context.TokenId)
            && !(accessToken && cache.IsValidToken(context.TokenId)))
        {
            var epoch = cache.Epoch;
            await new ServerProtection.ValidateTokenEntry(tokens).HandleAsync(context);
            if (context.IsRejected)
            {
                return;
            }
            if (accessToken)
            {
                cache.RememberValidToken(context.TokenId, epoch);
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
        if (context.Options.EnableTokenEntryValidation && !string.IsNullOrEmpty(context.TokenId) && !cache.IsValidToken(context.TokenId))
        {
            var epoch = cache.Epoch;
            await new ValidationProtection.ValidateTokenEntry(tokens).HandleAsync(context);
            if (context.IsRejected)
            {
                return;
            }
            // The validation stack accepts access tokens only.
            cache.RememberValidToken(context.TokenId, epoch);
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
}
