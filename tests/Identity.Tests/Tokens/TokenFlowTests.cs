using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Identity.Tests.Tokens;

/// <summary>The authorization code flow over HTTP, claims against PROFILES.md ("Tokens"), and validation as a network does it.</summary>
public sealed class TokenFlowTests(TokenTestFactory factory) : IClassFixture<TokenTestFactory>
{
    private const string Scope = "openid profile offline_access fhirUser launch/patient hl7_person_identifier patient/Observation.rs network:demo";
    private const string ClaimsRequest = """{"id_token":{"verified_claims":{"verification":{"trust_framework":null},"claims":{"given_name":null,"birthdate":null}}},"userinfo":{"verified_claims":{"verification":{"trust_framework":null},"claims":{"family_name":null}}}}""";

    [Fact]
    public async Task Verified_patient_gets_ial2_tokens_that_refresh_rotate_and_revoke()
    {
        using var flow = new OAuthFlow(factory);
        var patientId = await flow.RegisterPatientAsync(verified: true);

        var html = await flow.ConsentPageAsync(flow.AuthorizationRequest(Scope, ("resource", OAuthFlow.DemoResource), ("claims", ClaimsRequest)));
        Assert.Contains("Demo Patient App", html);
        Assert.Contains("Demo Health Network", html);
        Assert.Contains("data-scope=\"patient/Observation.rs\"", html);
        Assert.Contains("given_name", html);

        var callback = await flow.AuthorizeAsync(flow.AuthorizationRequest(Scope,
            ("resource", OAuthFlow.DemoResource), ("claims", ClaimsRequest), ("acr_values", "http://idmanagement.gov/ns/assurance/ial/2")));
        Assert.Equal("st-123", callback["state"]);
        var (status, tokens) = await flow.RedeemAsync(callback["code"]);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(patientId.ToString("D"), tokens.GetProperty("patient").GetString());

        // The access token, checked exactly as a network does: JWKS from discovery, issuer, audience, typ, lifetime, acr.
        var accessToken = tokens.GetProperty("access_token").GetString()!;
        var validated = await ValidateAsNetworkAsync(flow, accessToken, OAuthFlow.DemoResource);
        Assert.Equal("at+jwt", ((JsonWebToken)validated.SecurityToken).Typ);
        Assert.Equal("http://idmanagement.gov/ns/assurance/ial/2", validated.Claims["acr"]);
        var jwt = (JsonWebToken)validated.SecurityToken;
        Assert.True(jwt.ValidTo - jwt.IssuedAt <= TimeSpan.FromMinutes(60));
        Assert.Equal("ES256", jwt.Alg);
        var amr = jwt.Claims.Where(c => c.Type == "amr").Select(c => c.Value).ToArray();
        Assert.Contains("hwk", amr);
        Assert.Contains("mfa", amr);
        Assert.Contains("http://udap.org/code/auth/aal2", amr);
        Assert.Equal(patientId.ToString("D"), jwt.GetClaim("hl7_person_identifier").Value);
        Assert.NotEqual(patientId.ToString("D"), jwt.Subject);
        Assert.Contains("patient/Observation.rs", jwt.GetClaim("scope").Value.Split(' '));
        Assert.False(jwt.TryGetClaim("given_name", out _));

        var idToken = new JsonWebToken(tokens.GetProperty("id_token").GetString()!);
        Assert.Equal(jwt.Subject, idToken.Subject);
        Assert.Equal("n-456", idToken.GetClaim("nonce").Value);
        Assert.True(idToken.TryGetClaim("auth_time", out _));
        Assert.True(idToken.TryGetClaim("sid", out _));
        var verifiedClaims = JsonDocument.Parse(idToken.GetPayloadValue<JsonElement>("verified_claims").GetRawText()).RootElement;
        Assert.Equal("nist_800_63A", verifiedClaims.GetProperty("verification").GetProperty("trust_framework").GetString());
        Assert.Equal("ial2", verifiedClaims.GetProperty("verification").GetProperty("assurance_level").GetString());
        Assert.Equal("Ada", verifiedClaims.GetProperty("claims").GetProperty("given_name").GetString());
        Assert.False(verifiedClaims.GetProperty("claims").TryGetProperty("family_name", out _));

        using (var request = new HttpRequestMessage(HttpMethod.Get, "/connect/userinfo"))
        {
            request.Headers.Authorization = new("Bearer", accessToken);
            using var userInfo = await flow.Backchannel.SendAsync(request);
            var body = await userInfo.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(jwt.Subject, body.GetProperty("sub").GetString());
            Assert.Equal("Lovelace", body.GetProperty("family_name").GetString());
            Assert.Equal("Lovelace", body.GetProperty("verified_claims").GetProperty("claims").GetProperty("family_name").GetString());
        }

        var active = await flow.IntrospectAsync(accessToken);
        Assert.True(active.GetProperty("active").GetBoolean());
        Assert.Equal("http://idmanagement.gov/ns/assurance/ial/2", active.GetProperty("acr").GetString());

        // Refresh rotates; using the old refresh token again revokes the whole family.
        var refresh1 = tokens.GetProperty("refresh_token").GetString()!;
        var (refreshed, rotated) = await flow.TokenAsync(new() { ["grant_type"] = "refresh_token", ["client_id"] = OAuthFlow.DemoApp, ["refresh_token"] = refresh1 });
        Assert.Equal(HttpStatusCode.OK, refreshed);
        var refresh2 = rotated.GetProperty("refresh_token").GetString()!;
        Assert.NotEqual(refresh1, refresh2);
        var (reused, reuseError) = await flow.TokenAsync(new() { ["grant_type"] = "refresh_token", ["client_id"] = OAuthFlow.DemoApp, ["refresh_token"] = refresh1 });
        Assert.Equal(HttpStatusCode.BadRequest, reused);
        Assert.Equal("invalid_grant", reuseError.GetProperty("error").GetString());
        var (afterReuse, familyError) = await flow.TokenAsync(new() { ["grant_type"] = "refresh_token", ["client_id"] = OAuthFlow.DemoApp, ["refresh_token"] = refresh2 });
        Assert.Equal(HttpStatusCode.BadRequest, afterReuse);
        Assert.Equal("invalid_grant", familyError.GetProperty("error").GetString());
        Assert.False((await flow.IntrospectAsync(rotated.GetProperty("access_token").GetString()!)).GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task Revoked_access_token_is_inactive_at_introspection()
    {
        using var flow = new OAuthFlow(factory);
        await flow.RegisterPatientAsync(verified: false);
        var callback = await flow.AuthorizeAsync(flow.AuthorizationRequest("openid network:demo"));
        var (_, tokens) = await flow.RedeemAsync(callback["code"]);
        var accessToken = tokens.GetProperty("access_token").GetString()!;
        var jwt = new JsonWebToken(accessToken);
        Assert.False(jwt.TryGetClaim("acr", out _));
        Assert.Contains("http://udap.org/code/auth/aal2", jwt.Claims.Where(c => c.Type == "amr").Select(c => c.Value));
        Assert.True((await flow.IntrospectAsync(accessToken)).GetProperty("active").GetBoolean());

        using var revoke = await flow.Backchannel.PostAsync("/connect/revoke", new FormUrlEncodedContent(
            new Dictionary<string, string> { ["client_id"] = OAuthFlow.DemoApp, ["token"] = accessToken }));
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.False((await flow.IntrospectAsync(accessToken)).GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task Remembered_consent_skips_the_consent_screen_and_pairwise_subjects_differ_per_sector()
    {
        using var flow = new OAuthFlow(factory);
        await flow.RegisterPatientAsync(verified: false);
        var first = await flow.AuthorizeAsync(flow.AuthorizationRequest("openid"));
        var (status, body) = await flow.PushAsync(flow.AuthorizationRequest("openid"));
        Assert.Equal(HttpStatusCode.Created, status);
        using var again = await flow.Browser.Http.GetAsync($"/connect/authorize?client_id=demo-app&request_uri={Uri.EscapeDataString(body.GetProperty("request_uri").GetString()!)}");
        Assert.Equal(HttpStatusCode.Redirect, again.StatusCode);
        Assert.True(flow.CallbackQuery(again).ContainsKey("code"));
        Assert.True(first.ContainsKey("code"));
    }

    [Fact]
    public async Task Signed_out_patient_is_sent_to_passkey_sign_in_and_prompt_none_gets_login_required()
    {
        using var flow = new OAuthFlow(factory);
        var (_, pushed) = await flow.PushAsync(flow.AuthorizationRequest("openid"));
        using var page = await flow.Browser.Http.GetAsync($"/connect/authorize?client_id=demo-app&request_uri={Uri.EscapeDataString(pushed.GetProperty("request_uri").GetString()!)}");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.StartsWith("/account/signin?returnUrl=%2Fconnect%2Fauthorize", page.Headers.Location!.OriginalString);

        var none = await flow.AuthorizeAsync(flow.AuthorizationRequest("openid", ("prompt", "none")));
        Assert.Equal("login_required", none["error"]);
    }

    [Fact]
    public async Task Client_credentials_token_validates_offline_and_online()
    {
        using var flow = new OAuthFlow(factory);
        var (status, body) = await flow.TokenAsync(new() { ["grant_type"] = "client_credentials", ["scope"] = "network:demo" },
            OAuthFlow.Basic(OAuthFlow.DemoNetwork, OAuthFlow.DemoNetworkSecret));
        Assert.Equal(HttpStatusCode.OK, status);
        var token = body.GetProperty("access_token").GetString()!;
        var result = await ValidateAsNetworkAsync(flow, token, OAuthFlow.DemoResource);
        Assert.Equal(OAuthFlow.DemoNetwork, ((JsonWebToken)result.SecurityToken).Subject);
        Assert.True((await flow.IntrospectAsync(token)).GetProperty("active").GetBoolean());
    }

    /// <summary>What the network validation guide tells networks to do, with Microsoft.IdentityModel.Tokens only.</summary>
    internal static async Task<TokenValidationResult> ValidateAsNetworkAsync(OAuthFlow flow, string token, string audience)
    {
        var discovery = await flow.Backchannel.GetFromJsonAsync<JsonElement>("/.well-known/openid-configuration");
        var jwks = new JsonWebKeySet(await flow.Backchannel.GetStringAsync(new Uri(discovery.GetProperty("jwks_uri").GetString()!).PathAndQuery));
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = discovery.GetProperty("issuer").GetString(),
            ValidAudience = audience,
            IssuerSigningKeys = jwks.GetSigningKeys(),
            ValidAlgorithms = ["ES256"],
            ValidTypes = ["at+jwt"],
            ClockSkew = TimeSpan.FromSeconds(30),
        });
        Assert.True(result.IsValid, result.Exception?.Message);
        return result;
    }
}
