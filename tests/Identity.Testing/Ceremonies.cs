using System.Buffers.Text;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Identity.Grains.Mdoc;

namespace Identity.Testing;

/// <summary>
/// The operations of the cluster's mixed load (<see cref="LoadMix"/>), each a whole ceremony as a patient's browser, their
/// wallet or a network's client makes it, every request to the API <c>api()</c> picks (no sticky sessions). Shared by the
/// cluster tests (which retry and keep a ledger) and bench/Identity.ClusterLoad (which measures). Each returns the last
/// answer; a step that fails ends the ceremony with that step's answer.
/// </summary>
public static class Ceremonies
{
    /// <summary>The origin browsers see (a load balancer in front of every API): the APIs are configured with it.</summary>
    public const string Origin = "http://localhost";

    /// <summary>The confidential network client of the Development configuration (appsettings.Development.json).</summary>
    public const string NetworkClient = "demo-network";

    public const string NetworkClientSecret = "demo-network-secret-Zp3s9V1qK7xW2mB8nR4tY6uH0jL5cF";

    public const string NetworkScope = "network:demo";

    private const string FhirJson = "application/fhir+json";

    /// <summary>A browser-like client: one cookie jar for every API process (they share one host, 127.0.0.1).</summary>
    public static HttpClient NewBrowser(TimeSpan timeout) =>
        new(new SocketsHttpHandler { CookieContainer = new CookieContainer(), UseCookies = true }) { Timeout = timeout };

    /// <summary>Sends one request the way a browser on the service's origin would (JSON body, <c>Origin</c> header).</summary>
    public static async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpClient http, HttpMethod method, Uri api, string path,
        object? body = null, string? ifMatch = null, string mediaType = "application/json")
    {
        using var request = new HttpRequestMessage(method, new Uri(api, path));
        request.Headers.Add("Origin", Origin);
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }
        if (body is not null)
        {
            request.Content = new StringContent(body as string ?? JsonSerializer.Serialize(body), Encoding.UTF8, mediaType);
        }
        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>A new patient with a first passkey (201 with <c>hl7_person_identifier</c>; the browser is signed in).</summary>
    public static async Task<(HttpStatusCode Status, string Body)> RegisterAsync(HttpClient http, Func<Uri> api, SoftwareAuthenticator authenticator)
    {
        var options = await SendAsync(http, HttpMethod.Post, api(), "/api/passkeys/register/options", "{}");
        return options.Status != HttpStatusCode.OK ? options
            : await SendAsync(http, HttpMethod.Post, api(), "/api/passkeys/register", authenticator.Create(options.Body));
    }

    /// <summary>A passkey sign-in (200 with the patient's <c>hl7_person_identifier</c>).</summary>
    public static async Task<(HttpStatusCode Status, string Body)> SignInAsync(HttpClient http, Func<Uri> api, SoftwareAuthenticator authenticator)
    {
        var options = await SendAsync(http, HttpMethod.Post, api(), "/api/passkeys/sign-in/options", "{}");
        return options.Status != HttpStatusCode.OK ? options
            : await SendAsync(http, HttpMethod.Post, api(), "/api/passkeys/sign-in", authenticator.Get(options.Body));
    }

    /// <summary>Another passkey for the signed-in patient (201).</summary>
    public static async Task<(HttpStatusCode Status, string Body)> AddPasskeyAsync(HttpClient http, Func<Uri> api, SoftwareAuthenticator authenticator)
    {
        var options = await SendAsync(http, HttpMethod.Post, api(), "/api/passkeys/options", "{}");
        return options.Status != HttpStatusCode.OK ? options
            : await SendAsync(http, HttpMethod.Post, api(), "/api/passkeys", authenticator.Create(options.Body));
    }

    /// <summary>Renames one of the signed-in patient's passkeys (204).</summary>
    public static Task<(HttpStatusCode Status, string Body)> RenameAsync(HttpClient http, Func<Uri> api, SoftwareAuthenticator passkey, string name) =>
        SendAsync(http, HttpMethod.Patch, api(), $"/api/passkeys/{passkey.CredentialIdText}", new { name });

    /// <summary>
    /// Identity enrolment with a mobile driving licence (OpenID4VP, <c>direct_post</c>): the browser starts it, the wallet
    /// fetches the request object and posts a fresh presentation of licence <paramref name="documentNumber"/>, then the
    /// browser registers the verified patient's passkey (201 with <c>hl7_person_identifier</c>; signed in at IAL2/AAL2).
    /// The same licence again is a recovery of the same patient.
    /// </summary>
    public static async Task<(HttpStatusCode Status, string Body)> EnrolAsync(HttpClient http, Func<Uri> api, TestWallet wallet, string documentNumber,
        SoftwareAuthenticator authenticator)
    {
        var started = await SendAsync(http, HttpMethod.Post, api(), "/api/enrollment", new { responseMode = "direct_post" });
        if (started.Status != HttpStatusCode.Created)
        {
            return started;
        }
        var session = JsonNode.Parse(started.Body)!;
        var id = session["id"]!.GetValue<string>();
        var link = new Uri(session["walletLink"]!.GetValue<string>());
        var requestUri = new Uri(System.Web.HttpUtility.ParseQueryString(link.Query)["request_uri"]!);

        // The wallet's requests (request_uri, response_uri) need neither the browser's cookies nor an Origin.
        using var fetched = await http.GetAsync(new Uri(api(), requestUri.PathAndQuery));
        var jwt = await fetched.Content.ReadAsStringAsync();
        if (fetched.StatusCode != HttpStatusCode.OK)
        {
            return (fetched.StatusCode, jwt);
        }
        var request = JsonNode.Parse(Base64Url.DecodeFromChars(jwt.Split('.')[1]))!;
        var responseUri = request["response_uri"]!.GetValue<string>();
        var transcript = SessionTranscript.ForOpenId4Vp(request["client_id"]!.GetValue<string>(), request["nonce"]!.GetValue<string>(), null, responseUri);
        var vpToken = new JsonObject { ["mdl"] = new JsonArray(Base64Url.EncodeToString(wallet.Present(transcript, documentNumber: documentNumber))) };
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["vp_token"] = vpToken.ToJsonString(),
            ["state"] = request["state"]!.GetValue<string>(),
        });
        using var posted = await http.PostAsync(new Uri(api(), new Uri(responseUri).PathAndQuery), form);
        if (posted.StatusCode != HttpStatusCode.OK)
        {
            return (posted.StatusCode, await posted.Content.ReadAsStringAsync());
        }

        var options = await SendAsync(http, HttpMethod.Post, api(), $"/api/enrollment/{id}/passkey/options", "{}");
        return options.Status != HttpStatusCode.OK ? options
            : await SendAsync(http, HttpMethod.Post, api(), $"/api/enrollment/{id}/passkey", authenticator.Create(options.Body));
    }

    /// <summary>A new FHIR Consent of the signed-in patient (201, the Consent with its <c>id</c> and <c>meta.versionId</c> 1).</summary>
    public static Task<(HttpStatusCode Status, string Body)> CreateConsentAsync(HttpClient http, Func<Uri> api, Guid patient) =>
        SendAsync(http, HttpMethod.Post, api(), "/fhir/Consent", Consent(patient, null, "active").ToJsonString(), mediaType: FhirJson);

    /// <summary>A new version of one of the signed-in patient's Consents with <paramref name="status"/> (200), if <paramref name="versionId"/> is current.</summary>
    public static Task<(HttpStatusCode Status, string Body)> UpdateConsentAsync(HttpClient http, Func<Uri> api, Guid patient, string consentId,
        int versionId, string status) =>
        SendAsync(http, HttpMethod.Put, api(), $"/fhir/Consent/{consentId}", Consent(patient, consentId, status).ToJsonString(),
            $"W/\"{versionId}\"", FhirJson);

    /// <summary>An access token for the network client (client_credentials, client_secret_basic; 200 with <c>access_token</c>).</summary>
    public static async Task<(HttpStatusCode Status, string Body)> ClientCredentialsAsync(HttpClient http, Func<Uri> api)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(api(), "/connect/token"))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = NetworkScope }),
        };
        request.Headers.Authorization = NetworkCredentials();
        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The network client's introspection of <paramref name="token"/> (200 with <c>active</c>).</summary>
    public static async Task<(HttpStatusCode Status, string Body)> IntrospectAsync(HttpClient http, Uri api, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(api, "/connect/introspect"))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token }),
        };
        request.Headers.Authorization = NetworkCredentials();
        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>A string member of a JSON answer (<c>code</c> of a problem, <c>id</c> of a resource, …), or null.</summary>
    public static string? Field(string body, string name)
    {
        try
        {
            return JsonSerializer.Deserialize<JsonElement>(body) is { ValueKind: JsonValueKind.Object } json
                && json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The problem document's stable <c>code</c>, or empty.</summary>
    public static string CodeOf(string body) => Field(body, "code") ?? "";

    /// <summary>A FHIR resource's <c>meta.versionId</c>, or 0.</summary>
    public static int VersionOf(string body)
    {
        try
        {
            return int.TryParse(JsonNode.Parse(body)?["meta"]?["versionId"]?.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture, out var version)
                ? version : 0;
        }
        catch (JsonException)
        {
            return 0;
        }
    }

    private static AuthenticationHeaderValue NetworkCredentials() =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{NetworkClient}:{NetworkClientSecret}")));

    // The patient permits the demo network to access their data for treatment (the shape of the vector svc-permit-network-treat).
    private static JsonObject Consent(Guid patient, string? id, string status)
    {
        static JsonObject Coding(string system, string code) => new() { ["system"] = system, ["code"] = code };
        var consent = new JsonObject
        {
            ["resourceType"] = "Consent",
            ["status"] = status,
            ["scope"] = new JsonObject { ["coding"] = new JsonArray(Coding("http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy")) },
            ["category"] = new JsonArray(new JsonObject { ["coding"] = new JsonArray(Coding("http://loinc.org", "59284-0")) }),
            ["patient"] = new JsonObject { ["reference"] = $"Patient/{patient:D}" },
            ["dateTime"] = "2026-01-01T10:00:00Z",
            ["policyRule"] = new JsonObject { ["coding"] = new JsonArray(Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "OPTIN")) },
            ["provision"] = new JsonObject
            {
                ["type"] = "permit",
                ["actor"] = new JsonArray(new JsonObject
                {
                    ["role"] = new JsonObject { ["coding"] = new JsonArray(Coding("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "IRCP")) },
                    ["reference"] = new JsonObject { ["reference"] = "Organization/network-a" },
                }),
                ["action"] = new JsonArray(new JsonObject { ["coding"] = new JsonArray(Coding("http://terminology.hl7.org/CodeSystem/consentaction", "access")) }),
                ["purpose"] = new JsonArray(Coding("http://terminology.hl7.org/CodeSystem/v3-ActReason", "TREAT")),
            },
        };
        if (id is not null)
        {
            consent["id"] = id;
        }
        return consent;
    }
}
