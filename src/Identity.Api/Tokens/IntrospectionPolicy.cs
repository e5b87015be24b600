using System.Security.Claims;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Identity.Api.Tokens;

/// <summary>
/// Who may introspect what (RFC 7662 §4). An access token's <c>aud</c> is a network's resource URI (RFC 8707), not a
/// client id, so OpenIddict's own check (caller must be an audience) is replaced: a caller may introspect an access token
/// when it holds the resource permission of one of its audiences or presented it, a refresh token only when it
/// presented it. Others get <c>active:false</c>. An authorized caller also sees the scopes and the identity claims.
/// </summary>
public sealed class IntrospectionPolicy(IOpenIddictApplicationManager applications) :
    IOpenIddictServerHandler<ValidateIntrospectionRequestContext>,
    IOpenIddictServerHandler<HandleIntrospectionRequestContext>
{
    private static readonly string[] DisclosedClaims =
        [Claims.AuthenticationContextReference, Claims.AuthenticationMethodReference, Claims.AuthenticationTime,
         TokenClaims.SessionId, TokenScopes.PersonIdentifier, TokenScopes.FhirUser, TokenClaims.Actor];

    public static IEnumerable<OpenIddictServerHandlerDescriptor> Descriptors { get; } =
    [
        OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateIntrospectionRequestContext>()
            .AddFilter<OpenIddictServerHandlerFilters.RequireClientIdParameter>()
            .UseScopedHandler<IntrospectionPolicy>()
            .SetOrder(OpenIddictServerHandlers.Introspection.ValidateAuthorizedParty.Descriptor.Order)
            .SetType(OpenIddictServerHandlerType.Custom).Build(),
        OpenIddictServerHandlerDescriptor.CreateBuilder<HandleIntrospectionRequestContext>()
            .AddFilter<OpenIddictServerHandlerFilters.RequireClientIdParameter>()
            .UseScopedHandler<IntrospectionPolicy>()
            .SetOrder(OpenIddictServerHandlers.Introspection.AttachApplicationClaims.Descriptor.Order)
            .SetType(OpenIddictServerHandlerType.Custom).Build(),
    ];

    public static IEnumerable<OpenIddictServerHandlerDescriptor> Replaced { get; } =
    [
        OpenIddictServerHandlers.Introspection.ValidateAuthorizedParty.Descriptor,
        OpenIddictServerHandlers.Introspection.AttachApplicationClaims.Descriptor,
    ];

    public async ValueTask HandleAsync(ValidateIntrospectionRequestContext context)
    {
        if (!await IsAuthorizedPartyAsync(context.GenericTokenPrincipal!, context.ClientId!))
        {
            context.Reject(Errors.InvalidToken, "The caller is neither an audience nor the presenter of this token.");
        }
    }

    public async ValueTask HandleAsync(HandleIntrospectionRequestContext context)
    {
        var principal = context.GenericTokenPrincipal!;
        if (!principal.HasTokenType(TokenTypeIdentifiers.AccessToken) || !await IsAuthorizedPartyAsync(principal, context.Request.ClientId!))
        {
            return;
        }
        context.Scopes.UnionWith(principal.GetScopes());
        foreach (var type in DisclosedClaims)
        {
            var values = principal.GetClaims(type);
            if (values.Length == 1 && type != Claims.AuthenticationMethodReference)
            {
                context.Claims[type] = type == Claims.AuthenticationTime && long.TryParse(values[0], out var seconds)
                    ? new OpenIddictParameter(seconds)
                    : new OpenIddictParameter(values[0]);
            }
            else if (values.Length > 0)
            {
                context.Claims[type] = new OpenIddictParameter([.. values]);
            }
        }
    }

    private async ValueTask<bool> IsAuthorizedPartyAsync(ClaimsPrincipal token, string clientId)
    {
        if (token.HasPresenter(clientId))
        {
            return true;
        }
        if (!token.HasTokenType(TokenTypeIdentifiers.AccessToken) || await applications.FindByClientIdAsync(clientId) is not { } caller
            || await applications.HasClientTypeAsync(caller, ClientTypes.Public))
        {
            return false;
        }
        foreach (var audience in token.GetAudiences())
        {
            if (await applications.HasPermissionAsync(caller, Permissions.Prefixes.Resource + audience))
            {
                return true;
            }
        }
        return false;
    }
}
