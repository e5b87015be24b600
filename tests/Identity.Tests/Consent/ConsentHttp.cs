using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Identity.Tests.Tokens;

namespace Identity.Tests.Consent;

/// <summary>HTTP helpers for the consent tests: FHIR requests as the signed-in patient, client-credentials tokens.</summary>
public static class ConsentHttp
{
    public const string FhirJson = "application/fhir+json";

    public static StringContent Fhir(string json) => new(json, Encoding.UTF8, FhirJson);

    public static async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> SendAsync(HttpClient http, HttpMethod method, string path,
        string? json = null, string? ifMatch = null, string? bearer = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = json is null ? null : Fhir(json) };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
        var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var body = text.Length > 0 && text.TrimStart().StartsWith('{') ? JsonDocument.Parse(text).RootElement.Clone() : default;
        return (response.StatusCode, body, response);
    }

    public static async Task<string> ClientTokenAsync(OAuthFlow flow, string clientId, string secret, string scope)
    {
        var (status, body) = await flow.TokenAsync(new() { ["grant_type"] = "client_credentials", ["scope"] = scope }, OAuthFlow.Basic(clientId, secret));
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        return body.GetProperty("access_token").GetString()!;
    }

    public static string IssueCode(JsonElement outcome) =>
        outcome.GetProperty("issue")[0].GetProperty("code").GetString()!;

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response) => await response.Content.ReadFromJsonAsync<JsonElement>();
}
