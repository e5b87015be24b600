using Identity.Api.Apis;
using Identity.Api.Hosting;
using Identity.Api.Passkeys.WebAuthn;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Identity.Api.Passkeys;

public static class PasskeyHostingExtensions
{
    /// <summary>The profile's algorithms: ES256, EdDSA, RS256 (PROFILES.md, "Authentication").</summary>
    private static readonly int[] AllowedAlgorithms = [-7, -8, -257];

    /// <summary>ASP.NET Core Identity with passkeys as the only sign-in, over the patient grains.</summary>
    public static IHostApplicationBuilder AddPatientPasskeys(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.Configure<PasskeySettings>(builder.Configuration.GetSection(PasskeySettings.Section));
        services.AddIdentityCore<PatientUser>()
            .AddUserStore<PatientUserStore>()
            .AddSignInManager();
        services.AddOptions<IdentityPasskeyOptions>().Configure<IOptions<PasskeySettings>>(
            (passkeys, settings) => ConfigureRelyingParty(passkeys, settings.Value));
        services.AddScoped<PasskeyHandler<PatientUser>>();
        services.AddSingleton<WebAuthnCeremonyChecks>();
        services.AddSingleton<Ed25519RegistrationVerifier>();
        services.AddSingleton<PasskeyAssertionVerifier>();
        services.AddSingleton<CredentialKeyCache>();
        services.Replace(ServiceDescriptor.Scoped<IPasskeyHandler<PatientUser>, PatientPasskeyHandler>());
        services.TryAddSingleton<IPasskeyChallengeLedger, InMemoryPasskeyChallengeLedger>();
        services.AddSingleton<PatientEvents>();

        services.AddAuthentication(IdentityConstants.ApplicationScheme).AddIdentityCookies();
        services.AddAuthorization();
        var secure = builder.Environment.IsDevelopment() ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
        services.ConfigureApplicationCookie(cookie =>
        {
            cookie.Cookie.Name = "__identityconsent";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            cookie.Cookie.SecurePolicy = secure;
            cookie.ExpireTimeSpan = PatientSession.IdleTimeout;
            cookie.SlidingExpiration = true;
            cookie.LoginPath = "/account/signin";
            cookie.Events.OnValidatePrincipal = PatientSession.ValidateAsync;
            cookie.Events.OnRedirectToLogin = context => ApiOrRedirect(context, StatusCodes.Status401Unauthorized);
            cookie.Events.OnRedirectToAccessDenied = context => ApiOrRedirect(context, StatusCodes.Status403Forbidden);
        });
        services.Configure<CookieAuthenticationOptions>(IdentityConstants.TwoFactorUserIdScheme, cookie =>
        {
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.Cookie.SecurePolicy = secure;
            cookie.ExpireTimeSpan = TimeSpan.FromMinutes(10);
        });
        return builder;
    }

    /// <summary>The AAL2 relying-party policy: user verification and discoverable credentials required, the profile's algorithms, exact origins.</summary>
    public static void ConfigureRelyingParty(IdentityPasskeyOptions passkeys, PasskeySettings settings)
    {
        passkeys.ServerDomain = settings.ServerDomain;
        passkeys.UserVerificationRequirement = "required";
        passkeys.ResidentKeyRequirement = "required";
        passkeys.AttestationConveyancePreference = "none";
        passkeys.IsAllowedAlgorithm = alg => AllowedAlgorithms.Contains(alg);
        passkeys.ValidateOrigin = context => ValueTask.FromResult(
            !context.CrossOrigin && settings.IsAllowedOrigin(context.Origin, context.HttpContext.Request));
    }

    // JSON APIs answer 401/403 with a problem; pages are sent to the sign-in page.
    private static Task ApiOrRedirect(Microsoft.AspNetCore.Authentication.RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        if (!context.Request.Path.StartsWithSegments("/api"))
        {
            context.Response.Redirect(context.RedirectUri);
            return Task.CompletedTask;
        }
        var problem = status == StatusCodes.Status401Unauthorized
            ? Problems.Create(status, "authentication_required", "Sign in with a passkey first.")
            : Problems.Create(status, "forbidden", "This account may not do that.");
        return problem.ExecuteAsync(context.HttpContext);
    }

    public static WebApplication MapPatientAccountPages(this WebApplication app)
    {
        foreach (var page in new[] { "register", "signin", "passkeys", "activity", "consents" })
        {
            app.MapGet($"/account/{page}", () => Results.File(
                Path.Combine(app.Environment.WebRootPath, "account", $"{page}.html"), "text/html; charset=utf-8"))
                .ExcludeFromDescription();
        }
        app.MapPasskeyApi();
        return app;
    }
}
