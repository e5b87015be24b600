using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Identity.Testing;

namespace Identity.Load;

/// <summary>
/// Prepares the consent decision scenario against the running service: a new patient (passkey registration with a
/// software authenticator on the service's origin), the patient's 20 Consents of <see cref="DecisionWorkload"/> through
/// <c>/fhir/Consent</c>, and a network token with <c>consent.decide</c>.
/// </summary>
internal static class ConsentDecisionSetup
{
    public static async Task<(string Token, string Question)> PrepareAsync(Uri issuer, AuthenticationHeaderValue network)
    {
        var origin = issuer.GetLeftPart(UriPartial.Authority);
        using var browser = new HttpClient(new SocketsHttpHandler { CookieContainer = new CookieContainer(), UseCookies = true }) { BaseAddress = issuer };
        using var authenticator = new SoftwareAuthenticator(origin);
        var options = await SendAsync(browser, origin, HttpMethod.Post, "api/passkeys/register/options", "{}", "application/json");
        var registered = await SendAsync(browser, origin, HttpMethod.Post, "api/passkeys/register", authenticator.Create(options), "application/json");
        var patient = Guid.Parse(JsonDocument.Parse(registered).RootElement.GetProperty("hl7_person_identifier").GetString()!);
        foreach (var consent in DecisionWorkload.Consents(patient))
        {
            await SendAsync(browser, origin, HttpMethod.Post, "fhir/Consent", consent, "application/fhir+json");
        }

        using var http = new HttpClient { BaseAddress = issuer };
        using var request = new HttpRequestMessage(HttpMethod.Post, "connect/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = "consent.decide" }),
            Headers = { Authorization = network },
        };
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"The consent.decide token was refused: {(int)response.StatusCode} {body}");
        }
        return (JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!, DecisionWorkload.Question(patient));
    }

    private static async Task<string> SendAsync(HttpClient browser, string origin, HttpMethod method, string path, string body, string mediaType)
    {
        using var request = new HttpRequestMessage(method, path) { Content = new StringContent(body, Encoding.UTF8, mediaType) };
        request.Headers.Add("Origin", origin);
        using var response = await browser.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{method} /{path} answered {(int)response.StatusCode}: {text}");
        }
        return text;
    }
}
