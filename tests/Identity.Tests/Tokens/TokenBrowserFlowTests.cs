using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Identity.Grains.Patients;
using Identity.Tests.Browser;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using NetworkValidation;
using static Microsoft.Playwright.Assertions;

namespace Identity.Tests.Tokens;

/// <summary>
/// The whole authorization code flow with a real browser: the test is the public demo app (PKCE S256, loopback
/// redirect); headless Chromium with a virtual authenticator is the patient. Claims are checked against PROFILES.md
/// ("Tokens") and the access token as a network checks it (<c>samples/NetworkValidation</c>).
/// </summary>
[Collection("Browser")]
public sealed class TokenBrowserFlowTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const string Ial2 = "http://idmanagement.gov/ns/assurance/ial/2";
    private const string Scope = "openid profile offline_access fhirUser launch/patient hl7_person_identifier patient/Observation.rs network:demo";
    private const string ClaimsRequest = """{"id_token":{"verified_claims":{"verification":{"trust_framework":null},"claims":{"given_name":null}}}}""";
    private static readonly TimeSpan CallbackTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task App_gets_tokens_through_par_passkey_sign_in_and_consent_then_refreshes_and_revokes()
    {
        await using var patient = await browser.OpenAsync();
        var page = patient.Page;
        await patient.RegisterAsync("Ada's phone");
        var patientId = Guid.Parse((await patient.GetJsonAsync("/api/account/me")).GetProperty("hl7_person_identifier").GetString()!);
        await RecordVerifiedIdentityAsync(patientId);
        await patient.SignOutAsync();

        // The app: PKCE S256 and a loopback redirect, its request pushed first (RFC 9126).
        using var callback = new LoopbackCallback();
        using var app = new HttpClient { BaseAddress = browser.BaseUri };
        var verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        var state = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16));
        var nonce = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16));
        using var pushed = await app.PostAsync("/connect/par", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["client_id"] = OAuthFlow.DemoApp, ["response_type"] = "code", ["redirect_uri"] = callback.RedirectUri, ["scope"] = Scope,
            ["resource"] = OAuthFlow.DemoResource, ["code_challenge"] = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))),
            ["code_challenge_method"] = "S256", ["state"] = state, ["nonce"] = nonce, ["acr_values"] = Ial2, ["claims"] = ClaimsRequest,
        }));
        Assert.Equal(HttpStatusCode.Created, pushed.StatusCode);
        var requestUri = (await pushed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("request_uri").GetString()!;

        // The patient's browser: authorize sends them to passkey sign-in, which returns them to the consent screen.
        await page.GotoAsync($"/connect/authorize?client_id={OAuthFlow.DemoApp}&request_uri={Uri.EscapeDataString(requestUri)}");
        await page.WaitForURLAsync("**/account/signin?returnUrl=*");
        await page.WaitForFunctionAsync("() => window.credentialRequests?.includes('conditional')");
        await patient.ClickSignInWithPasskeyAsync();
        var allow = page.Locator("#allow");
        await allow.WaitForAsync();
        await Expect(page.Locator("body")).ToContainTextAsync("Demo Patient App");
        await Expect(page.Locator("body")).ToContainTextAsync("Demo Health Network");
        await Expect(page.Locator("[data-scope=\"patient/Observation.rs\"]")).ToHaveCountAsync(1);
        await allow.ClickAsync();

        var response = await callback.ResponseAsync(CallbackTimeout);
        await page.WaitForURLAsync($"{callback.RedirectUri}?*");
        Assert.Equal(state, response["state"]);
        Assert.False(response.ContainsKey("error"), response.GetValueOrDefault("error_description"));

        var tokens = await TokenAsync(app, new()
        {
            ["grant_type"] = "authorization_code", ["client_id"] = OAuthFlow.DemoApp, ["code"] = response["code"],
            ["redirect_uri"] = callback.RedirectUri, ["code_verifier"] = verifier,
        });
        Assert.Equal("Bearer", tokens.GetProperty("token_type").GetString());
        Assert.Equal(patientId.ToString("D"), tokens.GetProperty("patient").GetString());
        var accessToken = tokens.GetProperty("access_token").GetString()!;

        // Access token (RFC 9068, PROFILES.md): checked as the demo network checks it, offline and online.
        var network = new NetworkTokenValidator(app, browser.BaseUri,
            new NetworkCredentials(OAuthFlow.DemoNetwork, OAuthFlow.DemoNetworkSecret, OAuthFlow.DemoResource));
        var offline = await network.ValidateOfflineAsync(accessToken);
        Assert.True(offline.IsValid, offline.ErrorDescription);
        Assert.Equal(Ial2, offline.Acr);
        Assert.True(offline.IsIal2);
        Assert.True(offline.ExpiresAt - offline.IssuedAt <= TimeSpan.FromMinutes(60));
        Assert.Equivalent(new[] { "hwk", "user", "mfa", "http://udap.org/code/auth/aal2" }, offline.Amr, strict: true);
        Assert.Equal(patientId.ToString("D"), offline.PersonIdentifier);
        Assert.NotEqual(patientId.ToString("D"), offline.Subject);
        Assert.Contains("patient/Observation.rs", offline.Scopes);
        Assert.Contains("network:demo", offline.Scopes);
        var jwt = new JsonWebToken(accessToken);
        Assert.Equal("ES256", jwt.Alg);
        Assert.Equal([OAuthFlow.DemoResource], jwt.Audiences);
        Assert.True(jwt.TryGetClaim("auth_time", out _));
        Assert.False(jwt.TryGetClaim("given_name", out _));
        Assert.True((await network.IntrospectAsync(accessToken)).Active);

        // ID token (OIDC Core, OIDC4IDA): same pairwise sub, nonce, auth_time, sid, only the verified claims asked.
        var idToken = new JsonWebToken(tokens.GetProperty("id_token").GetString()!);
        Assert.Equal(offline.Subject, idToken.Subject);
        Assert.Equal(nonce, idToken.GetClaim("nonce").Value);
        Assert.Equal(Ial2, idToken.GetClaim("acr").Value);
        Assert.True(idToken.TryGetClaim("sid", out _));
        var authTime = long.Parse(idToken.GetClaim("auth_time").Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - authTime, 0, 120);
        var verified = idToken.GetPayloadValue<JsonElement>("verified_claims");
        Assert.Equal("nist_800_63A", verified.GetProperty("verification").GetProperty("trust_framework").GetString());
        Assert.Equal("ial2", verified.GetProperty("verification").GetProperty("assurance_level").GetString());
        Assert.Equal("Ada", verified.GetProperty("claims").GetProperty("given_name").GetString());
        Assert.False(verified.GetProperty("claims").TryGetProperty("family_name", out _));

        using (var userInfoRequest = new HttpRequestMessage(HttpMethod.Get, "/connect/userinfo"))
        {
            userInfoRequest.Headers.Authorization = new("Bearer", accessToken);
            using var userInfo = await app.SendAsync(userInfoRequest);
            Assert.Equal(HttpStatusCode.OK, userInfo.StatusCode);
            var body = await userInfo.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(offline.Subject, body.GetProperty("sub").GetString());
            Assert.Equal(patientId.ToString("D"), body.GetProperty("hl7_person_identifier").GetString());
        }

        // Refresh rotates the refresh token and issues a new access token for the same patient and network.
        var refreshed = await TokenAsync(app, new()
        {
            ["grant_type"] = "refresh_token", ["client_id"] = OAuthFlow.DemoApp, ["refresh_token"] = tokens.GetProperty("refresh_token").GetString()!,
        });
        Assert.NotEqual(tokens.GetProperty("refresh_token").GetString(), refreshed.GetProperty("refresh_token").GetString());
        var refreshedAccess = refreshed.GetProperty("access_token").GetString()!;
        var refreshedOffline = await network.ValidateOfflineAsync(refreshedAccess);
        Assert.True(refreshedOffline.IsValid, refreshedOffline.ErrorDescription);
        Assert.Equal(offline.Subject, refreshedOffline.Subject);
        Assert.Equal(Ial2, refreshedOffline.Acr);

        // Revocation (RFC 7009) by the public app; the network's introspection then says inactive.
        using var revoked = await app.PostAsync("/connect/revoke", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["client_id"] = OAuthFlow.DemoApp, ["token"] = refreshedAccess, ["token_type_hint"] = "access_token",
        }));
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        Assert.False((await network.IntrospectAsync(refreshedAccess)).Active);
        Assert.True((await network.ValidateOfflineAsync(refreshedAccess)).IsValid);
    }

    private async Task RecordVerifiedIdentityAsync(Guid patientId)
    {
        var grains = browser.Services.GetRequiredService<IGrainFactory>();
        Assert.True(await grains.GetGrain<IPatientGrain>(patientId).RecordVerifiedIdentityAsync(new VerifiedIdentity
        {
            GivenName = "Ada", FamilyName = "Lovelace", BirthDate = new DateOnly(1990, 12, 10),
            IssuingCountry = "US", IssuingAuthority = "CA DMV", DocumentExpiry = new DateOnly(2031, 1, 1),
            VerifiedAt = DateTimeOffset.UtcNow, TrustAnchorId = "test-iaca", Evidence = new VerificationEvidence(),
        }));
    }

    private static async Task<JsonElement> TokenAsync(HttpClient app, Dictionary<string, string> parameters)
    {
        using var response = await app.PostAsync("/connect/token", new FormUrlEncodedContent(parameters));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"token endpoint answered {(int)response.StatusCode}: {body}");
        return body;
    }
}
