using Identity.Api.Apis;
using Identity.Api.Tokens;

namespace Identity.Api.Consent;

public static class ConsentHostingExtensions
{
    /// <summary>
    /// FHIR Consent, the decision services and grants as Consents: the services, the consent audience on the token service's
    /// validation stack (and on tokens carrying a consent scope), and the hook the consent screen calls.
    /// </summary>
    public static IHostApplicationBuilder AddConsent(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddScoped<GrantRevocation>();
        services.AddScoped<PatientConsents>();
        services.AddScoped<ConsentDecisions>();
        services.AddScoped<IGrantConsentRecorder, GrantConsentRecorder>();
        services.AddOpenIddict()
            .AddServer(server => server.AddEventHandler(ServiceAudienceHandler.Descriptor))
            .AddValidation(validation => validation.AddAudiences(ServiceAudienceHandler.Audience));
        return builder;
    }

    /// <summary><c>/fhir/Consent</c>, <c>/fhir/metadata</c>, <c>/consent/decide</c>, <c>/cds-services</c> and the patient page's API.</summary>
    public static WebApplication MapConsent(this WebApplication app)
    {
        app.MapConsentApi();
        app.MapConsentDecisionApi();
        app.MapPatientConsentApi();
        return app;
    }
}
