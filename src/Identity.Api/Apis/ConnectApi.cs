using System.Collections.Immutable;
using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Identity.Api.Consent;
using Identity.Api.Hosting;
using Identity.Api.Passkeys;
using Identity.Api.Tokens;
using Identity.Grains.Patients;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Identity.Api.Apis;

/// <summary>
/// The OpenID Connect endpoints OpenIddict hands to the application (passthrough): authorize (passkey sign-in, acr,
/// consent), token (what each grant issues), userinfo and end-session. PAR, introspection, revocation, discovery and
/// JWKS are answered by OpenIddict itself.
/// </summary>
public static class ConnectApi
{
    public const string Authorize = "/connect/authorize";
    public const string PushedAuthorization = "/connect/par";
    public const string Token = "/connect/token";
    public const string UserInfo = "/connect/userinfo";
    public const string Introspect = "/connect/introspect";
    public const string Revoke = "/connect/revoke";
    public const string EndSession = "/connect/endsession";

    /// <summary>Kept in the patient's authorization so userinfo can find the patient behind a pairwise <c>sub</c>.</summary>
    public const string PatientProperty = "patient_id";

    public static IEndpointRouteBuilder MapConnectApi(this IEndpointRouteBuilder app)
    {
        var connect = app.MapGroup("/connect").ExcludeFromDescription().DisableAntiforgery();
        connect.MapMethods("/authorize", [HttpMethods.Get, HttpMethods.Post], AuthorizeAsync);
        connect.MapPost("/token", TokenAsync);
        connect.MapMethods("/userinfo", [HttpMethods.Get, HttpMethods.Post], UserInfoAsync);
        connect.MapMethods("/endsession", [HttpMethods.Get, HttpMethods.Post], (Delegate)EndSessionAsync);
        return app;
    }

    private static async Task<IResult> AuthorizeAsync(
        HttpContext http, IGrainFactory grains, IOpenIddictApplicationManager applications, IOpenIddictAuthorizationManager authorizations,
        NetworkCatalog networks, PatientClaims patientClaims, IPromptLoginMarkers markers, IAntiforgery antiforgery, TimeProvider time,
        IGrantConsentRecorder grantConsents)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("The OpenID Connect request cannot be retrieved.");
        var now = time.GetUtcNow();
        var acrValues = request.GetAcrValues();
        if (AssuranceLevels.Decide(acrValues, IdentityAssurance.Ial2) is { IsGranted: false } unsupported)
        {
            return Refuse(unsupported.Error!, unsupported.Description!);
        }
        var client = await ClientProfile.FindAsync(applications, request.ClientId!)
            ?? throw new InvalidOperationException("OpenIddict validated the client, yet it is gone.");

        var cookie = await http.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        var signIn = cookie.Succeeded ? SignInOf(cookie.Principal!) : null;
        var requestKey = request.RequestUri ?? http.Request.QueryString.Value ?? "";
        var reauthenticated = signIn is not null && await markers.IsSatisfiedByAsync(requestKey, DateTimeOffset.FromUnixTimeSeconds(signIn.AuthTime));
        var mustSignIn = signIn is null || !reauthenticated && (
            request.HasPromptValue(PromptValues.Login)
            || request.MaxAge is { } maxAge && now.ToUnixTimeSeconds() - signIn.AuthTime > maxAge
            || !string.IsNullOrEmpty(request.LoginHint) && request.LoginHint != patientClaims.Subject(signIn.PatientId, client));
        if (mustSignIn)
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Refuse(Errors.LoginRequired, "The patient must sign in with a passkey.");
            }
            await markers.StartAsync(requestKey, now);
            return Results.Redirect($"/account/signin?returnUrl={Uri.EscapeDataString(ReturnUrl(http, request))}");
        }

        var patient = await grains.GetGrain<IPatientGrain>(signIn!.PatientId).GetAsync();
        if (patient is null)
        {
            return Refuse(Errors.LoginRequired, "The signed-in patient no longer exists.");
        }
        var acr = AssuranceLevels.Decide(acrValues, patient.Assurance);
        if (!acr.IsGranted)
        {
            return Refuse(acr.Error!, acr.Description!);
        }

        var scopes = request.GetScopes().ToHashSet(StringComparer.Ordinal);
        var resources = request.GetResources().ToHashSet(StringComparer.Ordinal);
        var shownNetworks = new List<NetworkRegistration>();
        foreach (var network in await networks.AllAsync())
        {
            // A network's scope and its resource go together: asking for one asks for the other.
            if (scopes.Contains(network.Scope) || resources.Contains(network.Resource))
            {
                scopes.Add(network.Scope);
                resources.Add(network.Resource);
                shownNetworks.Add(network);
            }
        }
        // The patient's FHIR Consents come first: scopes they deny this app are neither shown nor issued.
        await grantConsents.NarrowAsync(patient.PersonIdentifier, client.ClientId, scopes, resources, shownNetworks, http.RequestAborted);
        var subject = patientClaims.Subject(patient.PersonIdentifier, client);
        var application = await applications.FindByClientIdAsync(client.ClientId);
        var applicationId = await applications.GetIdAsync(application!);

        object? authorization = null;
        if (HttpMethods.IsPost(http.Request.Method) && http.Request.HasFormContentType
            && http.Request.Form.TryGetValue(ConsentPage.DecisionField, out var decision))
        {
            if (!await antiforgery.IsRequestValidAsync(http))
            {
                return Problems.BadRequest("consent_form_invalid", "The consent form expired or did not come from this site; start again from the app.");
            }
            if (decision != ConsentPage.Allow)
            {
                return Refuse(Errors.AccessDenied, "The patient did not allow this request.");
            }
            var descriptor = new OpenIddictAuthorizationDescriptor
            {
                ApplicationId = applicationId,
                Subject = subject,
                Type = AuthorizationTypes.Permanent,
                // Unusable until its Consent and that Consent's audit entry are stored; only then valid.
                Status = Statuses.Inactive,
                CreationDate = now,
                Properties = { [PatientProperty] = JsonSerializer.SerializeToElement(patient.PersonIdentifier.ToString("D")) },
            };
            descriptor.Scopes.UnionWith(scopes);
            authorization = await authorizations.CreateAsync(descriptor);
            var authorizationId = (await authorizations.GetIdAsync(authorization))!;
            string? consentId = null;
            try
            {
                consentId = await grantConsents.RecordAsync(patient.PersonIdentifier, client, shownNetworks, scopes, authorizationId, http.RequestAborted);
                descriptor.Status = Statuses.Valid;
                await authorizations.UpdateAsync(authorization, descriptor);
            }
            catch (Exception)
            {
                await grantConsents.AbandonAsync(patient.PersonIdentifier, authorizationId, consentId);
                throw;
            }
        }
        else if (!request.HasPromptValue(PromptValues.Consent))
        {
            var remembered = new List<object>();
            await foreach (var existing in authorizations.FindAsync(subject, applicationId, Statuses.Valid, AuthorizationTypes.Permanent, [.. scopes]))
            {
                remembered.Add(existing);
            }
            // A remembered grant counts only while its Consent is in force; one whose Consent ended is revoked here.
            foreach (var existing in remembered)
            {
                if ((await grantConsents.StandingAsync((await authorizations.GetIdAsync(existing))!, http.RequestAborted)).Ended is null)
                {
                    authorization = existing;
                    break;
                }
            }
        }
        if (authorization is null)
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Refuse(Errors.ConsentRequired, "The patient has not allowed this app these scopes yet.");
            }
            var tokens = antiforgery.GetAndStoreTokens(http);
            var view = new ConsentView(
                client.DisplayName,
                shownNetworks,
                [.. scopes.Order(StringComparer.Ordinal).Select(s => KeyValuePair.Create(s,
                    TokenScopes.Describe(s, shownNetworks.FirstOrDefault(n => n.Scope == s))))],
                [.. (VerifiedClaims.Requested(request, "id_token") ?? []).Union(VerifiedClaims.Requested(request, "userinfo") ?? [])],
                patient.Assurance == IdentityAssurance.Ial2 ? "identity verified (IAL2), passkey (AAL2)" : "identity not verified, passkey (AAL2)",
                Authorize);
            var parameters = HttpMethods.IsPost(http.Request.Method) && http.Request.HasFormContentType
                ? http.Request.Form.AsEnumerable()
                : http.Request.Query.AsEnumerable();
            return ConsentPage.Render(view, parameters, tokens.FormFieldName, tokens.RequestToken!);
        }

        var identity = patientClaims.Create(patient, client, signIn, acr.Acr, scopes, resources, request, http.Request.IssuerUri());
        identity.SetAuthorizationId(await authorizations.GetIdAsync(authorization));
        return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static async Task<IResult> TokenAsync(
        HttpContext http, IGrainFactory grains, IOpenIddictApplicationManager applications, NetworkCatalog networks, TokenSettings settings,
        IGrantConsentRecorder grantConsents, TimeProvider time)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("The OpenID Connect request cannot be retrieved.");
        if (request.IsAuthorizationCodeGrantType() || request.IsRefreshTokenGrantType())
        {
            var result = await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
            var principal = result.Principal ?? throw new InvalidOperationException("OpenIddict validated the grant, yet it has no principal.");
            var properties = new AuthenticationProperties();
            if (principal.GetClaim(TokenClaims.LaunchPatient) is { } launchPatient)
            {
                properties.Parameters[TokenClaims.LaunchPatient] = launchPatient;
                if (await grains.GetGrain<IPatientGrain>(Guid.Parse(launchPatient)).GetAsync() is null)
                {
                    return Refuse(Errors.InvalidGrant, "The patient no longer exists.");
                }
            }
            var standing = principal.GetAuthorizationId() is { } authorizationId
                ? await grantConsents.StandingAsync(authorizationId, http.RequestAborted)
                : GrantStanding.Unknown;
            if (standing.Ended is { } ended)
            {
                return Refuse(Errors.InvalidGrant, ended);
            }
            var identity = new ClaimsIdentity(principal.Claims, TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
            if (standing.EndsAt is { } endsAt)
            {
                // No token outlives the Consent it was issued under.
                var left = endsAt - time.GetUtcNow();
                identity.SetAccessTokenLifetime(AtMost(settings.AccessTokenLifetime, left))
                    .SetIdentityTokenLifetime(AtMost(TimeSpan.FromMinutes(10), left))
                    .SetRefreshTokenLifetime(AtMost(TimeSpan.FromDays(Math.Clamp(settings.RefreshTokenDays, 1, 90)), left));
            }
            await grantConsents.NarrowAsync(identity, http.RequestAborted);
            identity.SetDestinations(PatientClaims.DestinationsOf);
            return Results.SignIn(new ClaimsPrincipal(identity), properties, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }
        if (request.IsClientCredentialsGrantType())
        {
            var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
            identity.SetClaim(Claims.Subject, request.ClientId);
            var scopes = request.GetScopes();
            var resources = request.GetResources().ToHashSet(StringComparer.Ordinal);
            foreach (var scope in scopes)
            {
                if (await networks.FindByScopeAsync(scope) is { } network)
                {
                    resources.Add(network.Resource);
                }
            }
            if (scopes.Contains(TokenScopes.Admin) || scopes.Contains(TokenScopes.AuditRead))
            {
                resources.Add(settings.AdminAudience);
            }
            identity.SetScopes(scopes);
            identity.SetResources(resources);
            identity.SetDestinations(PatientClaims.DestinationsOf);
            return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }
        if (request.IsTokenExchangeGrantType())
        {
            return await ExchangeAsync(http, request, applications, networks);
        }
        return Refuse(Errors.UnsupportedGrantType, "This grant type is not supported.");
    }

    /// <summary>
    /// RFC 8693: a network trades a patient's access token it received for one aimed at another network. Allowed only when
    /// the caller is an audience of the subject token and the patient's authorization already includes the target
    /// network's scope (the consent issue will read the FHIR Consent instead).
    /// </summary>
    private static async Task<IResult> ExchangeAsync(HttpContext http, OpenIddictRequest request, IOpenIddictApplicationManager applications, NetworkCatalog networks)
    {
        var result = await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        var subjectToken = result.Principal ?? throw new InvalidOperationException("OpenIddict validated the subject token, yet it has no principal.");
        var caller = await applications.FindByClientIdAsync(request.ClientId!);
        var audiences = subjectToken.GetAudiences();
        var callerIsAudience = false;
        foreach (var audience in audiences)
        {
            callerIsAudience |= caller is not null && await applications.HasPermissionAsync(caller, Permissions.Prefixes.Resource + audience);
        }
        if (!callerIsAudience || !subjectToken.HasTokenType(TokenTypeIdentifiers.AccessToken))
        {
            return Refuse(Errors.InvalidGrant, "The subject token must be an access token issued for the calling network.");
        }
        var targets = request.GetResources();
        if (targets.Length == 0)
        {
            return Refuse(Errors.InvalidTarget, "Name the network the new token is for with the 'resource' parameter.");
        }
        var granted = subjectToken.GetScopes();
        var all = await networks.AllAsync();
        foreach (var target in targets)
        {
            var network = all.FirstOrDefault(n => n.Resource == target);
            if (network is null || !granted.Contains(network.Scope))
            {
                return Refuse(Errors.InvalidTarget, $"The patient's authorization does not include the network '{target}'.");
            }
        }
        var otherNetworks = all.Where(n => !targets.Contains(n.Resource)).Select(n => n.Scope).ToHashSet(StringComparer.Ordinal);
        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        foreach (var claim in subjectToken.Claims.Where(c => PatientClaims.DestinationsOf(c).Contains(Destinations.AccessToken)))
        {
            identity.AddClaim(new Claim(claim.Type, claim.Value, claim.ValueType));
        }
        identity.AddClaim(new Claim(TokenClaims.Actor, new JsonObject { ["sub"] = request.ClientId }.ToJsonString(), JsonClaimValueTypes.Json));
        identity.SetScopes(granted.Where(s => !otherNetworks.Contains(s)));
        identity.SetResources(targets);
        if (subjectToken.GetAuthorizationId() is { } authorizationId)
        {
            // Tied to the patient's authorization, so revoking it revokes the exchanged tokens too.
            identity.SetAuthorizationId(authorizationId);
        }
        identity.SetDestinations(PatientClaims.DestinationsOf);
        return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static async Task<IResult> UserInfoAsync(HttpContext http, IGrainFactory grains, IOpenIddictAuthorizationManager authorizations)
    {
        var result = await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        var principal = result.Principal ?? throw new InvalidOperationException("OpenIddict validated the access token, yet it has no principal.");
        var claims = new Dictionary<string, object>(StringComparer.Ordinal) { [Claims.Subject] = principal.GetClaim(Claims.Subject)! };
        foreach (var type in new[] { TokenScopes.PersonIdentifier, TokenScopes.FhirUser, Claims.AuthenticationContextReference })
        {
            if (principal.GetClaim(type) is { } value)
            {
                claims[type] = value;
            }
        }
        var wantsProfile = principal.HasScope(Scopes.Profile);
        var verifiedRequest = principal.GetClaim(TokenClaims.VerifiedClaimsRequest)?.Split(' ');
        if ((wantsProfile || verifiedRequest is not null) && await PatientOfAsync(principal, authorizations) is { } patientId
            && await grains.GetGrain<IPatientGrain>(patientId).GetAsync() is { VerifiedIdentity: { } verified })
        {
            if (wantsProfile)
            {
                claims[Claims.GivenName] = verified.GivenName;
                claims[Claims.FamilyName] = verified.FamilyName;
                claims[Claims.Birthdate] = verified.BirthDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            }
            if (verifiedRequest is not null)
            {
                claims[TokenClaims.VerifiedClaims] = VerifiedClaims.Build(verified, verifiedRequest.Skip(1));
            }
        }
        return Results.Json(claims);
    }

    private static async Task<IResult> EndSessionAsync(HttpContext http)
    {
        await http.SignOutAsync(IdentityConstants.ApplicationScheme);
        return Results.SignOut(new AuthenticationProperties { RedirectUri = "/" }, [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
    }

    private static async Task<Guid?> PatientOfAsync(ClaimsPrincipal principal, IOpenIddictAuthorizationManager authorizations) =>
        principal.GetAuthorizationId() is { } id ? await authorizations.PatientOfAsync(id) : null;

    private static PatientSignIn? SignInOf(ClaimsPrincipal cookie) =>
        PatientSession.PersonIdentifier(cookie) is { } id && PatientSession.AuthTime(cookie) is { } at
            ? new PatientSignIn(id, at.ToUnixTimeSeconds(), [.. cookie.FindAll(PatientSession.AmrClaim).Select(c => c.Value)])
            : null;

    // Only this endpoint with the request's own client_id and request_uri: an open redirect is impossible.
    private static string ReturnUrl(HttpContext http, OpenIddictRequest request) =>
        request.RequestUri is { } requestUri
            ? $"{http.Request.PathBase}{Authorize}?client_id={Uri.EscapeDataString(request.ClientId!)}&request_uri={Uri.EscapeDataString(requestUri)}"
            : $"{http.Request.PathBase}{Authorize}{http.Request.QueryString}";

    private static Uri IssuerUri(this HttpRequest request) =>
        request.HttpContext.RequestServices.GetRequiredService<TokenSettings>().Issuer ?? new Uri($"{request.Scheme}://{request.Host}{request.PathBase}/");

    private static IResult Refuse(string error, string description) => Results.Forbid(
        new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }),
        [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);

    internal static ImmutableArray<string> GetAcrValues(this OpenIddictRequest request) =>
        [.. (request.AcrValues ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries)];

    private static TimeSpan AtMost(TimeSpan configured, TimeSpan left) => left < configured ? (left > TimeSpan.Zero ? left : TimeSpan.FromSeconds(1)) : configured;
}
