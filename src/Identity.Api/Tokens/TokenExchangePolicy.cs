using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Identity.Api.Tokens;

/// <summary>
/// Token exchange (RFC 8693) by a network: OpenIddict lets only an audience or presenter of the subject token exchange it,
/// comparing client ids, while this service's audiences are network resource URIs. A caller holding the resource
/// permission of one of the subject token's audiences is therefore recorded as a presenter before OpenIddict checks.
/// </summary>
public sealed class TokenExchangePolicy(IOpenIddictApplicationManager applications) : IOpenIddictServerHandler<ValidateTokenRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenRequestContext>()
            .UseScopedHandler<TokenExchangePolicy>()
            .SetOrder(OpenIddictServerHandlers.Exchange.ValidateAuthorizedParty.Descriptor.Order - 1)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(ValidateTokenRequestContext context)
    {
        if (!context.Request.IsTokenExchangeGrantType() || context.SubjectTokenPrincipal is not { } subject
            || !subject.HasTokenType(TokenTypeIdentifiers.AccessToken) || string.IsNullOrEmpty(context.ClientId)
            || await applications.FindByClientIdAsync(context.ClientId) is not { } caller)
        {
            return;
        }
        foreach (var audience in subject.GetAudiences())
        {
            if (await applications.HasPermissionAsync(caller, Permissions.Prefixes.Resource + audience))
            {
                subject.SetPresenters(subject.GetPresenters().Add(context.ClientId));
                return;
            }
        }
    }
}
