using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Web;
using Identity.Grains.Patients;
using Identity.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;

namespace Identity.Tests.Tokens;

/// <summary>An OAuth client and a patient's browser driven over HTTP: PAR, authorize, consent, token requests.</summary>
public sealed partial class OAuthFlow(IdentityApiFactory factory) : IDisposable
{
    public const string DemoApp = "demo-app";
    public const string DemoNetwork = "demo-network";
    public const string DemoNetworkSecret = "demo-network-secret-Zp3s9V1qK7xW2mB8nR4tY6uH0jL5cF";
    public const string DemoResource = "https://demo-network.localhost/fhir";

    public PatientClient Browser { get; } = new(CreateClient(factory), factory.Origin);
    public HttpClient Backchannel { get; } = factory.CreateClient(new() { AllowAutoRedirect = false, BaseAddress = new Uri(factory.Origin) });
    public SoftwareAuthenticator Authenticator { get; } = new(factory.Origin);
    public string RedirectUri { get; } = $"http://127.0.0.1:{Random.Shared.Next(20000, 60000)}/callback";
    public string Verifier { get; } = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
    public string Challenge => Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(Verifier)));
    public Guid PatientId { get; private set; }

    private static HttpClient CreateClient(IdentityApiFactory factory)
    {
        var http = factory.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = true, BaseAddress = new Uri(factory.Origin) });
        http.DefaultRequestHeaders.Add("Origin", factory.Origin);
        return http;
    }

    public async Task<Guid> RegisterPatientAsync(bool verified)
    {
        using var registered = await Browser.RegisterAsync(Authenticator);
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        PatientId = Guid.Parse((await registered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("hl7_person_identifier").GetString()!);
        if (verified)
        {
            var grains = factory.Services.GetRequiredService<IGrainFactory>();
            Assert.True(await grains.GetGrain<IPatientGrain>(PatientId).RecordVerifiedIdentityAsync(new VerifiedIdentity
            {
                GivenName = "Ada", FamilyName = "Lovelace", BirthDate = new DateOnly(1990, 12, 10),
                IssuingCountry = "US", IssuingAuthority = "CA DMV", DocumentExpiry = new DateOnly(2031, 1, 1),
                VerifiedAt = DateTimeOffset.UtcNow, TrustAnchorId = "test-iaca", Evidence = new VerificationEvidence(),
            }));
        }
        return PatientId;
    }

    public Dictionary<string, string> AuthorizationRequest(string scope, params (string Key, string Value)[] extra)
    {
        var parameters = new Dictionary<string, string>
        {
            ["client_id"] = DemoApp, ["response_type"] = "code", ["redirect_uri"] = RedirectUri, ["scope"] = scope,
            ["code_challenge"] = Challenge, ["code_challenge_method"] = "S256", ["state"] = "st-123", ["nonce"] = "n-456",
        };
        foreach (var (key, value) in extra)
        {
            parameters[key] = value;
        }
        return parameters;
    }

    /// <summary>Pushes the request (RFC 9126); returns the response, 201 with request_uri or 400 with an OAuth error.</summary>
    public async Task<(HttpStatusCode Status, JsonElement Body)> PushAsync(Dictionary<string, string> parameters)
    {
        using var response = await Backchannel.PostAsync("/connect/par", new FormUrlEncodedContent(parameters));
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    /// <summary>PAR, then authorize with the browser, allowing on the consent screen; returns the redirect's query.</summary>
    public async Task<Dictionary<string, string>> AuthorizeAsync(Dictionary<string, string> parameters, bool allow = true)
    {
        var (status, body) = await PushAsync(parameters);
        Assert.Equal(HttpStatusCode.Created, status);
        var requestUri = body.GetProperty("request_uri").GetString()!;
        using var page = await Browser.Http.GetAsync($"/connect/authorize?client_id={DemoApp}&request_uri={Uri.EscapeDataString(requestUri)}");
        if (page.StatusCode == HttpStatusCode.Redirect)
        {
            return CallbackQuery(page);
        }
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        using var decided = await DecideAsync(await page.Content.ReadAsStringAsync(), allow);
        Assert.Equal(HttpStatusCode.Redirect, decided.StatusCode);
        return CallbackQuery(decided);
    }

    /// <summary>Submits the consent screen in <paramref name="consentHtml"/> with the patient's decision; returns the answer as is.</summary>
    public async Task<HttpResponseMessage> DecideAsync(string consentHtml, bool allow = true)
    {
        var form = HiddenInputs(consentHtml);
        form["consent_decision"] = allow ? "allow" : "deny";
        return await Browser.Http.PostAsync("/connect/authorize", new FormUrlEncodedContent(form));
    }

    public string ConsentHtml { get; private set; } = "";

    public async Task<string> ConsentPageAsync(Dictionary<string, string> parameters)
    {
        var (_, body) = await PushAsync(parameters);
        using var page = await Browser.Http.GetAsync($"/connect/authorize?client_id={DemoApp}&request_uri={Uri.EscapeDataString(body.GetProperty("request_uri").GetString()!)}");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        return ConsentHtml = await page.Content.ReadAsStringAsync();
    }

    public Dictionary<string, string> CallbackQuery(HttpResponseMessage redirect)
    {
        var location = redirect.Headers.Location!;
        Assert.StartsWith(RedirectUri, location.AbsoluteUri);
        var query = HttpUtility.ParseQueryString(location.Query);
        return query.AllKeys.ToDictionary(k => k!, k => query[k]!);
    }

    public async Task<(HttpStatusCode Status, JsonElement Body)> TokenAsync(Dictionary<string, string> parameters, AuthenticationHeaderValue? authorization = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/connect/token") { Content = new FormUrlEncodedContent(parameters) };
        request.Headers.Authorization = authorization;
        using var response = await Backchannel.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    public Task<(HttpStatusCode Status, JsonElement Body)> RedeemAsync(string code) => TokenAsync(new()
    {
        ["grant_type"] = "authorization_code", ["client_id"] = DemoApp, ["code"] = code,
        ["redirect_uri"] = RedirectUri, ["code_verifier"] = Verifier,
    });

    public static AuthenticationHeaderValue Basic(string clientId, string secret) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(clientId)}:{Uri.EscapeDataString(secret)}")));

    public async Task<JsonElement> IntrospectAsync(string token, string clientId = DemoNetwork, string secret = DemoNetworkSecret)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/connect/introspect") { Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token }) };
        request.Headers.Authorization = Basic(clientId, secret);
        using var response = await Backchannel.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static Dictionary<string, string> HiddenInputs(string html) =>
        HiddenInput().Matches(html).ToDictionary(m => WebUtility.HtmlDecode(m.Groups[1].Value), m => WebUtility.HtmlDecode(m.Groups[2].Value));

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]*)\" value=\"([^\"]*)\">")]
    private static partial Regex HiddenInput();

    public void Dispose()
    {
        Browser.Dispose();
        Backchannel.Dispose();
        Authenticator.Dispose();
    }
}
