using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Identity.Tests.Tokens;
using static Identity.Tests.Consent.ConsentHttp;

namespace Identity.Tests.Consent;

/// <summary>Every OAuth grant is a FHIR Consent: approval writes it, withdrawing it ends the app's tokens, denied scopes are never issued.</summary>
public sealed class ConsentGrantTests(ConsentTestFactory factory) : IClassFixture<ConsentTestFactory>
{
    private const string Scope = "openid offline_access patient/*.rs network:demo hl7_person_identifier";

    [Theory]
    [InlineData("patient page")]
    [InlineData("FHIR API")]
    public async Task Withdrawing_the_grant_consent_ends_the_apps_tokens(string how)
    {
        using var flow = new OAuthFlow(factory);
        var patient = await flow.RegisterPatientAsync(verified: false);
        var callback = await flow.AuthorizeAsync(flow.AuthorizationRequest(Scope, ("resource", OAuthFlow.DemoResource)));
        var (_, tokens) = await flow.RedeemAsync(callback["code"]);
        var accessToken = tokens.GetProperty("access_token").GetString()!;
        var refreshToken = tokens.GetProperty("refresh_token").GetString()!;
        Assert.True((await flow.IntrospectAsync(accessToken)).GetProperty("active").GetBoolean());

        using var listed = await flow.Browser.Http.GetAsync("/api/consents");
        var grant = Assert.Single((await JsonAsync(listed)).EnumerateArray());
        Assert.True(grant.GetProperty("appGrant").GetBoolean());
        Assert.Equal(["Demo Patient App", "Demo Health Network"], grant.GetProperty("actors").EnumerateArray().Select(a => a.GetProperty("name").GetString()));
        Assert.Contains("patient/*.rs", grant.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
        var id = grant.GetProperty("id").GetString()!;
        var (_, fhirGrant, _) = await SendAsync(flow.Browser.Http, HttpMethod.Get, $"/fhir/Consent/{id}");
        Assert.Equal("PATRQT", fhirGrant.GetProperty("provision").GetProperty("purpose")[0].GetProperty("code").GetString());
        Assert.Equal("urn:identityconsent:oauth-authorization", fhirGrant.GetProperty("identifier")[0].GetProperty("system").GetString());

        if (how == "patient page")
        {
            using var withdrawn = await flow.Browser.Http.PostAsync($"/api/consents/{id}/withdraw", null);
            Assert.Equal(HttpStatusCode.OK, withdrawn.StatusCode);
        }
        else
        {
            var inactive = JsonNode.Parse(fhirGrant.GetRawText())!;
            inactive["status"] = "inactive";
            var (status, body, _) = await SendAsync(flow.Browser.Http, HttpMethod.Put, $"/fhir/Consent/{id}", inactive.ToJsonString(), "W/\"1\"");
            Assert.True(status == HttpStatusCode.OK, body.ToString());
        }

        Assert.False((await flow.IntrospectAsync(accessToken)).GetProperty("active").GetBoolean());
        var (refreshStatus, refreshed) = await flow.TokenAsync(new()
        {
            ["grant_type"] = "refresh_token", ["client_id"] = OAuthFlow.DemoApp, ["refresh_token"] = refreshToken,
        });
        Assert.Equal(HttpStatusCode.BadRequest, refreshStatus);
        Assert.Equal("invalid_grant", refreshed.GetProperty("error").GetString());
        using var userInfo = new HttpRequestMessage(HttpMethod.Get, "/connect/userinfo");
        userInfo.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var userInfoResponse = await flow.Backchannel.SendAsync(userInfo);
        Assert.Equal(HttpStatusCode.Unauthorized, userInfoResponse.StatusCode);
    }

    [Fact]
    public async Task Scope_the_patients_consent_denies_is_neither_shown_nor_issued()
    {
        using var flow = new OAuthFlow(factory);
        var patient = await flow.RegisterPatientAsync(verified: false);
        var deny = JsonNode.Parse(File.ReadAllText(ConsentVectors.Valid("svc-deny-clinic-b.json")))!;
        deny["patient"]!["reference"] = $"Patient/{patient:D}";
        deny["provision"] = JsonNode.Parse("""
            {"type":"deny","actor":[{"role":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ParticipationType","code":"IRCP"}]},
              "reference":{"identifier":{"system":"urn:identityconsent:client","value":"demo-app"}}}],
             "class":[{"system":"urn:identityconsent:oauth-scope","code":"hl7_person_identifier"},
                      {"system":"http://hl7.org/fhir/resource-types","code":"Observation"}]}
            """);
        var (created, body, _) = await SendAsync(flow.Browser.Http, HttpMethod.Post, "/fhir/Consent", deny.ToJsonString());
        Assert.True(created == HttpStatusCode.Created, body.ToString());

        var html = await flow.ConsentPageAsync(flow.AuthorizationRequest(Scope + " patient/Patient.rs", ("resource", OAuthFlow.DemoResource)));
        var callback = await flow.AuthorizeAsync(flow.AuthorizationRequest(Scope + " patient/Patient.rs", ("resource", OAuthFlow.DemoResource)));
        var (_, tokens) = await flow.RedeemAsync(callback["code"]);
        var scopes = tokens.GetProperty("scope").GetString()!.Split(' ');

        Assert.DoesNotContain("data-scope=\"hl7_person_identifier\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("hl7_person_identifier", scopes);
        // patient/*.rs covers the denied Observation type, so the wildcard goes too; the narrower Patient scope stays.
        Assert.DoesNotContain("patient/*.rs", scopes);
        Assert.Contains("patient/Patient.rs", scopes);
        Assert.Contains("network:demo", scopes);
        var introspected = await flow.IntrospectAsync(tokens.GetProperty("access_token").GetString()!);
        Assert.DoesNotContain("hl7_person_identifier", introspected.GetProperty("scope").GetString()!.Split(' '));
    }
}
