using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Identity.Api.Consent;

/// <summary>
/// Gives access tokens that carry a consent scope (<c>consent.decide</c>, <c>system/Consent.*</c>, <c>patient/Consent.*</c>)
/// this service's consent audience, so the token service's validation stack accepts them at <c>/fhir/Consent</c>,
/// <c>/consent/decide</c> and <c>/cds-services</c>. Other tokens are left exactly as they were.
/// </summary>
public sealed class ConsentAudienceHandler : IOpenIddictServerHandler<ProcessSignInContext>
{
    public const string Audience = "urn:identityconsent:consent";

    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessSignInContext>()
            .UseSingletonHandler<ConsentAudienceHandler>()
            .SetOrder(OpenIddictServerHandlers.PrepareAccessTokenPrincipal.Descriptor.Order - 1)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(ProcessSignInContext context)
    {
        var principal = context.Principal;
        if (principal is not null && principal.GetScopes().Any(IsConsentScope) && !principal.HasResource(Audience))
        {
            principal.SetResources(principal.GetResources().Add(Audience));
        }
        return ValueTask.CompletedTask;
    }

    public static bool IsConsentScope(string scope) =>
        scope == ConsentCaller.DecideScope
        || Tokens.SmartScope.Parse(scope) is { ResourceType: "Consent", Context: "system" or "patient" };
}
