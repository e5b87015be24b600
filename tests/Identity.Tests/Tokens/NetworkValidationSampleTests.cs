using System.Net;
using NetworkValidation;

namespace Identity.Tests.Tokens;

/// <summary>The runnable sample of the README's network validation guide (<c>samples/NetworkValidation</c>) against the service.</summary>
public sealed class NetworkValidationSampleTests(TokenTestFactory factory) : IClassFixture<TokenTestFactory>
{
    private static readonly NetworkCredentials DemoNetwork = new(OAuthFlow.DemoNetwork, OAuthFlow.DemoNetworkSecret, OAuthFlow.DemoResource);

    private NetworkTokenValidator Validator(HttpClient http, NetworkCredentials? network = null) =>
        new(http, new Uri(factory.Origin + "/"), network ?? DemoNetwork);

    [Fact]
    public async Task Sample_validates_a_network_token_offline_and_online()
    {
        using var http = factory.CreateClient();
        var validator = Validator(http);
        var token = await validator.RequestClientCredentialsTokenAsync("network:demo");

        var offline = await validator.ValidateOfflineAsync(token);
        Assert.True(offline.IsValid, offline.ErrorDescription);
        Assert.Equal("at+jwt", offline.Type);
        Assert.Equal(OAuthFlow.DemoNetwork, offline.Subject);
        Assert.Contains("network:demo", offline.Scopes);
        Assert.Null(offline.Acr);
        Assert.True(offline.ExpiresAt - offline.IssuedAt <= TimeSpan.FromMinutes(60));

        var online = await validator.IntrospectAsync(token);
        Assert.True(online.Active);
        Assert.Contains(OAuthFlow.DemoResource, online.Audiences);
    }

    [Fact]
    public async Task Sample_reports_ial2_for_a_verified_patient_and_inactive_after_revocation()
    {
        using var flow = new OAuthFlow(factory);
        var patientId = await flow.RegisterPatientAsync(verified: true);
        var callback = await flow.AuthorizeAsync(flow.AuthorizationRequest("openid hl7_person_identifier network:demo", ("resource", OAuthFlow.DemoResource)));
        var (_, tokens) = await flow.RedeemAsync(callback["code"]);
        var accessToken = tokens.GetProperty("access_token").GetString()!;
        using var http = factory.CreateClient();
        var validator = Validator(http);

        var offline = await validator.ValidateOfflineAsync(accessToken);
        Assert.True(offline.IsValid, offline.ErrorDescription);
        Assert.True(offline.IsIal2);
        Assert.Equal("http://udap.org/code/id/ial2", offline.Acr);
        Assert.Contains("http://udap.org/code/auth/aal2", offline.Amr);
        Assert.Equal(patientId.ToString("D"), offline.PersonIdentifier);
        Assert.NotEqual(patientId.ToString("D"), offline.Subject);
        Assert.Equal("http://udap.org/code/id/ial2", (await validator.IntrospectAsync(accessToken)).Acr);

        using var revoke = await flow.Backchannel.PostAsync("/connect/revoke", new FormUrlEncodedContent(
            new Dictionary<string, string> { ["client_id"] = OAuthFlow.DemoApp, ["token"] = accessToken }));
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        // Offline validation cannot see revocation (the guide says so); introspection does.
        Assert.True((await validator.ValidateOfflineAsync(accessToken)).IsValid);
        Assert.False((await validator.IntrospectAsync(accessToken)).Active);
    }

    [Fact]
    public async Task Sample_refuses_tokens_for_another_audience_and_id_tokens()
    {
        using var flow = new OAuthFlow(factory);
        await flow.RegisterPatientAsync(verified: false);
        var callback = await flow.AuthorizeAsync(flow.AuthorizationRequest("openid network:demo"));
        var (_, tokens) = await flow.RedeemAsync(callback["code"]);
        using var http = factory.CreateClient();

        var otherNetwork = Validator(http, DemoNetwork with { Resource = TokenTestFactory.NetworkB });
        var foreign = await otherNetwork.ValidateOfflineAsync(tokens.GetProperty("access_token").GetString()!);
        Assert.False(foreign.IsValid);
        Assert.Equal("SecurityTokenInvalidAudienceException", foreign.Error);

        // An ID token is refused even by a validator whose audience matches it: its typ is JWT, not at+jwt.
        var sameAudience = Validator(http, DemoNetwork with { Resource = OAuthFlow.DemoApp });
        var idToken = await sameAudience.ValidateOfflineAsync(tokens.GetProperty("id_token").GetString()!);
        Assert.False(idToken.IsValid);
        Assert.Equal("SecurityTokenInvalidTypeException", idToken.Error);

        var unverified = await Validator(http).ValidateOfflineAsync(tokens.GetProperty("access_token").GetString()!);
        Assert.True(unverified.IsValid);
        Assert.False(unverified.IsIal2);
        Assert.Null(unverified.Acr);
    }

    [Fact]
    public void Sample_refuses_plain_http_issuers_off_loopback()
    {
        using var http = new HttpClient();
        Assert.Throws<ArgumentException>(() => new NetworkTokenValidator(http, new Uri("http://id.example.org/"), DemoNetwork));
        _ = new NetworkTokenValidator(http, new Uri("https://id.example.org/"), DemoNetwork);
        _ = new NetworkTokenValidator(http, new Uri("http://127.0.0.1:5080/"), DemoNetwork);
    }
}
