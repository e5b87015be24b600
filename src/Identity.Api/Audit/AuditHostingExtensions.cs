using Identity.Api.Apis;

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
        // Compliance clients will hold an access token with scope audit.read from the token service (issue 5);
        // until then no sign-in satisfies this policy (patients' cookies carry no scope claim).
        services.AddAuthorizationBuilder().AddPolicy(AuditApi.ReadPolicy, policy => policy
            .RequireAuthenticatedUser()
            .RequireAssertion(context => context.User.FindAll("scope")
                .SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Contains(AuditApi.ReadScope, StringComparer.Ordinal)));
        return builder;
    }
}
