using Identity.Api.Apis;
using OpenIddict.Abstractions;
using OpenIddict.Validation.AspNetCore;

namespace Identity.Api.Audit;

public static class AuditHostingExtensions
{
    /// <summary>
    /// The audit trail: store (SQLite or PostgreSQL, see <see cref="AuditDatabase"/>), schema installation at start-up,
    /// 503 <c>audit_unavailable</c> for operations that cannot be audited, a readiness check, and the <c>audit.read</c> policy.
    /// </summary>
    public static IHostApplicationBuilder AddAuditTrail(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.Configure<AuditSettings>(builder.Configuration.GetSection(AuditSettings.Section));
        services.AddSingleton(AuditDatabase.FromConfiguration(builder.Configuration, builder.Environment.ContentRootPath));
        services.AddSingleton<AuditStore>();
        services.AddSingleton<IAuditTrail, AuditTrail>();
        services.AddHostedService<AuditSchemaInstaller>();
        services.AddExceptionHandler<AuditUnavailableHandler>();
        services.AddHealthChecks().AddCheck<AuditStoreHealthCheck>("audit-store", tags: ["ready"]);
        // Compliance clients hold a client-credentials access token with scope audit.read from the token service, checked by
        // its validation stack like the admin API's; patients' cookies carry no scope, so they never satisfy this policy.
        services.AddAuthorizationBuilder().AddPolicy(AuditApi.ReadPolicy, policy => policy
            .AddAuthenticationSchemes(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme)
            .RequireAuthenticatedUser()
            .RequireAssertion(context => context.User.HasScope(AuditApi.ReadScope)));
        return builder;
    }
}
