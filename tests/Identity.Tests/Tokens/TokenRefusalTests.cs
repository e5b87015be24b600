using System.Net;
using System.Security.Cryptography;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Identity.Tests.Tokens;

/// <summary>Every refusal the profile names, each with its RFC error code.</summary>
public sealed class TokenRefusalTests(TokenTestFactory factory) : IClassFixture<TokenTestFactory>
{
    [Fact]
    public async Task Plain_pkce_is_refused()
    {
        using var flow = new OAuthFlow(factory);
        var request = flow.AuthorizationRequest("openid");
        request["code_challenge"] = flow.Verifier;
        request["code_challenge_method"] = "plain";
        await AssertPushRefused(flow, request, "invalid_request");
    }

    [Fact]
    public async Task Missing_pkce_is_refused()
    {
        using var flow = new OAuthFlow(factory);
        var request = flow.AuthorizationRequest("openid");
        request.Remove("code_challenge");
        request.Remove("code_challenge_method");
        await AssertPushRefused(flow, request, "invalid_request");
    }

    [Fact]
    public async Task Unregistered_redirect_uri_is_refused_but_any_loopback_port_is_accepted()
    {
        using var flow = new OAuthFlow(factory);
        var request = flow.AuthorizationRequest("openid");
        request["redirect_uri"] = "https://attacker.example/callback";
        await AssertPushRefused(flow, request, "invalid_request");
        request["redirect_uri"] = "http://127.0.0.1:51234/other";
        await AssertPushRefused(flow, request, "invalid_request");
        Assert.Equal(HttpStatusCode.Created, (await flow.PushAsync(flow.AuthorizationRequest("openid"))).Status);
    }

    [Fact]
    public async Task Unknown_resource_is_refused()
    {
        using var flow = new OAuthFlow(factory);
        await AssertPushRefused(flow, flow.AuthorizationRequest("openid", ("resource", "https://unknown.example/fhir")), "invalid_target");
    }

    [Fact]
    public async Task Unknown_scope_is_refused()
    {
        using var flow = new OAuthFlow(factory);
        await AssertPushRefused(flow, flow.AuthorizationRequest("openid patient/*.cruds"), "invalid_scope");
    }

    [Fact]
    public async Task Unsupported_acr_values_are_refused()
    {
        using var flow = new OAuthFlow(factory);
        await flow.RegisterPatientAsync(verified: true);
        var callback = await flow.AuthorizeAsync(flow.AuthorizationRequest("openid", ("acr_values", "urn:example:loa:1")));
        Assert.Equal("invalid_request", callback["error"]);
    }

    [Fact]
    public async Task Ial2_demanded_for_an_unverified_patient_is_refused_not_downgraded()
    {
        using var flow = new OAuthFlow(factory);
        await flow.RegisterPatientAsync(verified: false);
        var callback = await flow.AuthorizeAsync(flow.AuthorizationRequest("openid", ("acr_values", "http://udap.org/code/id/ial2")));
        Assert.Equal("unmet_authentication_requirements", callback["error"]);
        Assert.False(callback.ContainsKey("code"));
    }

    [Fact]
    public async Task Denied_consent_returns_access_denied()
    {
        using var flow = new OAuthFlow(factory);
        await flow.RegisterPatientAsync(verified: false);
        var callback = await flow.AuthorizeAsync(flow.AuthorizationRequest("openid"), allow: false);
        Assert.Equal("access_denied", callback["error"]);
    }

    [Fact]
    public async Task Replayed_code_is_refused()
    {
        using var flow = new OAuthFlow(factory);
        await flow.RegisterPatientAsync(verified: false);
        var callback = await flow.AuthorizeAsync(flow.AuthorizationRequest("openid"));
        Assert.Equal(HttpStatusCode.OK, (await flow.RedeemAsync(callback["code"])).Status);
        var (status, body) = await flow.RedeemAsync(callback["code"]);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_grant", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Wrong_code_verifier_is_refused()
    {
        using var flow = new OAuthFlow(factory);
        await flow.RegisterPatientAsync(verified: false);
        var callback = await flow.AuthorizeAsync(flow.AuthorizationRequest("openid"));
        var (status, body) = await flow.TokenAsync(new()
        {
            ["grant_type"] = "authorization_code", ["client_id"] = OAuthFlow.DemoApp, ["code"] = callback["code"],
            ["redirect_uri"] = flow.RedirectUri, ["code_verifier"] = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32)),
        });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_grant", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Wrong_client_secret_is_refused()
    {
        using var flow = new OAuthFlow(factory);
        var (status, body) = await flow.TokenAsync(new() { ["grant_type"] = "client_credentials", ["scope"] = "network:demo" },
            OAuthFlow.Basic(OAuthFlow.DemoNetwork, "wrong-secret-wrong-secret-wrong-secret-wrong-secret"));
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("invalid_client", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Private_key_jwt_assertion_is_single_use()
    {
        using var flow = new OAuthFlow(factory);
        var assertion = Assertion(flow, lifetime: TimeSpan.FromMinutes(2));
        var first = await AssertionGrantAsync(flow, assertion);
        Assert.True(first.Status == HttpStatusCode.OK, first.Body.ToString());
        var (status, body) = await AssertionGrantAsync(flow, assertion);
        Assert.Equal("invalid_client", body.GetProperty("error").GetString());
        Assert.NotEqual(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task Expired_or_long_lived_client_assertion_is_refused()
    {
        using var flow = new OAuthFlow(factory);
        var expired = await AssertionGrantAsync(flow, Assertion(flow, lifetime: TimeSpan.FromMinutes(2), issuedAgo: TimeSpan.FromMinutes(10)));
        Assert.Equal("invalid_client", expired.Body.GetProperty("error").GetString());
        var longLived = await AssertionGrantAsync(flow, Assertion(flow, lifetime: TimeSpan.FromMinutes(30)));
        Assert.Equal("invalid_client", longLived.Body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Token_exchange_stays_within_the_patients_authorization()
    {
        using var flow = new OAuthFlow(factory);
        await flow.RegisterPatientAsync(verified: true);
        var callback = await flow.AuthorizeAsync(flow.AuthorizationRequest("openid network:demo", ("resource", OAuthFlow.DemoResource)));
        var (_, tokens) = await flow.RedeemAsync(callback["code"]);
        var patientToken = tokens.GetProperty("access_token").GetString()!;
        var exchange = new Dictionary<string, string>
        {
            ["grant_type"] = "urn:ietf:params:oauth:grant-type:token-exchange", ["subject_token"] = patientToken,
            ["subject_token_type"] = "urn:ietf:params:oauth:token-type:access_token", ["resource"] = TokenTestFactory.NetworkB,
        };
        var (status, body) = await flow.TokenAsync(exchange, OAuthFlow.Basic(OAuthFlow.DemoNetwork, OAuthFlow.DemoNetworkSecret));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(body.GetProperty("error").GetString() == "invalid_target", body.ToString());

        var consented = await flow.AuthorizeAsync(flow.AuthorizationRequest("openid network:demo network:b", ("resource", OAuthFlow.DemoResource)));
        var (_, both) = await flow.RedeemAsync(consented["code"]);
        exchange["subject_token"] = both.GetProperty("access_token").GetString()!;
        var (exchanged, result) = await flow.TokenAsync(exchange, OAuthFlow.Basic(OAuthFlow.DemoNetwork, OAuthFlow.DemoNetworkSecret));
        Assert.Equal(HttpStatusCode.OK, exchanged);
        var validated = await TokenFlowTests.ValidateAsNetworkAsync(flow, result.GetProperty("access_token").GetString()!, TokenTestFactory.NetworkB);
        Assert.Equal(new JsonWebToken(exchange["subject_token"]).Subject, ((JsonWebToken)validated.SecurityToken).Subject);
        Assert.Equal(OAuthFlow.DemoNetwork, JsonDocument.Parse(((JsonWebToken)validated.SecurityToken).GetClaim("act").Value).RootElement.GetProperty("sub").GetString());
    }

    private string Assertion(OAuthFlow flow, TimeSpan lifetime, TimeSpan? issuedAgo = null) => Assertion(flow, factory.ClientKey, lifetime, issuedAgo);

    /// <summary>A private_key_jwt client assertion of network-b, signed with <paramref name="key"/>.</summary>
    internal static string Assertion(OAuthFlow flow, ECDsa key, TimeSpan lifetime, TimeSpan? issuedAgo = null)
    {
        var issued = DateTime.UtcNow - (issuedAgo ?? TimeSpan.Zero);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            // OpenIddict 7.8 follows draft-ietf-oauth-rfc7523bis: assertions are typed client-authentication+jwt.
            TokenType = "client-authentication+jwt",
            Issuer = TokenTestFactory.KeyClient,
            // rfc7523bis: the audience is the authorization server's issuer identifier.
            Audience = new Uri(flow.Backchannel.BaseAddress!, "/").AbsoluteUri,
            Subject = new ClaimsIdentity([new Claim("sub", TokenTestFactory.KeyClient), new Claim("jti", Guid.NewGuid().ToString())]),
            IssuedAt = issued,
            NotBefore = issued,
            Expires = issued + lifetime,
            SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(key) { KeyId = "k1" }, SecurityAlgorithms.EcdsaSha256),
        });
    }

    internal static Task<(HttpStatusCode Status, JsonElement Body)> AssertionGrantAsync(OAuthFlow flow, string assertion) => flow.TokenAsync(new()
    {
        ["grant_type"] = "client_credentials", ["scope"] = "network:b", ["client_id"] = TokenTestFactory.KeyClient,
        ["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", ["client_assertion"] = assertion,
    });

    private static async Task AssertPushRefused(OAuthFlow flow, Dictionary<string, string> request, string error)
    {
        var (status, body) = await flow.PushAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(error, body.GetProperty("error").GetString());
    }
}
