using Identity.Api.Consent;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Identity.Api.Tokens;

/// <summary>
/// Gives access tokens that carry a scope of this service's own APIs this service's audience, so its validation stack
/// accepts them: <c>consent.decide</c>, <c>system/Consent.*</c> and <c>patient/Consent.*</c> (<c>/fhir/Consent</c>,
/// <c>/consent/decide</c>, <c>/cds-services</c>) and <c>patient/AuditEvent.*</c> (the patient's own access log at
/// <c>/fhir/AuditEvent?patient=me</c>). Other tokens are left exactly as they were (audience = their network).
/// </summary>
public sealed class ServiceAudienceHandler : IOpenIddictServerHandler<ProcessSignInContext>
{
    public const string Audience = "urn:identityconsent:consent";

    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessSignInContext>()
            .UseSingletonHandler<ServiceAudienceHandler>()
            .SetOrder(OpenIddictServerHandlers.PrepareAccessTokenPrincipal.Descriptor.Order - 1)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(ProcessSignInContext context)
    {
        var principal = context.Principal;
        if (principal is not null && principal.GetScopes().Any(IsServiceScope) && !principal.HasResource(Audience))
        {
            principal.SetResources(principal.GetResources().Add(Audience));
        }
        return ValueTask.CompletedTask;
    }

    public static bool IsServiceScope(string scope) =>
        scope == ConsentCaller.DecideScope
        || SmartScope.Parse(scope) is { ResourceType: "Consent", Context: "system" or "patient" }
        || SmartScope.Parse(scope) is { ResourceType: "AuditEvent", Context: "patient" };
}
