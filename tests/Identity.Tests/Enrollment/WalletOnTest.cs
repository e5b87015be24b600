using System.Buffers.Text;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Identity.Api.Enrollment;
using Identity.Grains.Mdoc;
using Identity.Tests.Infrastructure;

namespace Identity.Tests.Enrollment;

/// <summary>
/// A wallet app talking to the service like a real one: reads the request (request_uri or DC API data), answers it
/// with a fresh <see cref="TestWallet"/> presentation (optionally broken, or for a transcript it was not asked for),
/// and posts the response.
/// </summary>
public sealed class WalletOnTest(TestWallet wallet, PatientClient browser)
{
    public JsonObject? Started { get; private set; }

    public string Id => Started!["id"]!.GetValue<string>();

    public async Task<JsonObject> StartAsync(string? responseMode = null)
    {
        using var response = await browser.PostJsonAsync("/api/enrollment", responseMode is null ? "{}" : JsonSerializer.Serialize(new { responseMode }));
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return Started = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    /// <summary>The request object, fetched from request_uri as a wallet on any device would (no cookies).</summary>
    public async Task<JsonObject> RequestObjectAsync(HttpClient walletHttp)
    {
        var link = new Uri(Started!["walletLink"]!.GetValue<string>());
        var requestUri = System.Web.HttpUtility.ParseQueryString(link.Query)["request_uri"]!;
        using var response = await walletHttp.GetAsync(new Uri(requestUri).PathAndQuery);
        Assert.Equal("application/oauth-authz-req+jwt", response.Content.Headers.ContentType?.MediaType);
        var jwt = await response.Content.ReadAsStringAsync();
        var parts = jwt.Split('.');
        Assert.Equal("none", JsonNode.Parse(Base64Url.DecodeFromChars(parts[0]))!["alg"]!.GetValue<string>());
        return (JsonObject)JsonNode.Parse(Base64Url.DecodeFromChars(parts[1]))!;
    }

    /// <summary>The direct_post(.jwt) form for <paramref name="request"/>; <paramref name="transcript"/> overrides the one the request implies.</summary>
    public Dictionary<string, string> Answer(JsonObject request, WalletDefect defect = WalletDefect.None, SessionTranscript? transcript = null)
    {
        var jwk = request["client_metadata"]?["jwks"]?["keys"]?[0] as JsonObject;
        transcript ??= SessionTranscript.ForOpenId4Vp(request["client_id"]!.GetValue<string>(), request["nonce"]!.GetValue<string>(),
            jwk is null ? null : ResponseEncryptionKey.ThumbprintOf(jwk["x"]!.GetValue<string>(), jwk["y"]!.GetValue<string>()),
            request["response_uri"]!.GetValue<string>());
        var vpToken = new JsonObject { ["mdl"] = new JsonArray(Base64Url.EncodeToString(wallet.Present(transcript, defect))) };
        if (jwk is null)
        {
            return new() { ["vp_token"] = vpToken.ToJsonString(), ["state"] = request["state"]!.GetValue<string>() };
        }
        var payload = new JsonObject { ["vp_token"] = vpToken, ["state"] = request["state"]!.GetValue<string>() };
        return new() { ["response"] = JweEcdhEs.Encrypt(Encoding.UTF8.GetBytes(payload.ToJsonString()), jwk) };
    }

    public static async Task<HttpResponseMessage> PostAsync(HttpClient walletHttp, JsonObject request, Dictionary<string, string> form) =>
        await walletHttp.PostAsync(new Uri(request["response_uri"]!.GetValue<string>()).PathAndQuery, new FormUrlEncodedContent(form));

    /// <summary>The Digital Credentials API path: the wallet answers the page's request for <paramref name="origin"/> (the page's, unless a test lies).</summary>
    public async Task<HttpResponseMessage> AnswerDigitalCredentialsAsync(string origin, WalletDefect defect = WalletDefect.None, string? nonce = null,
        string protocol = "openid4vp-v1-unsigned")
    {
        var data = DigitalCredentialsRequest(protocol);
        var jwk = (JsonObject)data["client_metadata"]!["jwks"]!["keys"]![0]!;
        var transcript = SessionTranscript.ForOpenId4VpDcApi(origin, nonce ?? data["nonce"]!.GetValue<string>(),
            ResponseEncryptionKey.ThumbprintOf(jwk["x"]!.GetValue<string>(), jwk["y"]!.GetValue<string>()));
        var vpToken = new JsonObject { ["mdl"] = new JsonArray(Base64Url.EncodeToString(wallet.Present(transcript, defect))) };
        var jwe = JweEcdhEs.Encrypt(Encoding.UTF8.GetBytes(new JsonObject { ["vp_token"] = vpToken }.ToJsonString()), jwk, "A256GCM");
        return await browser.PostJsonAsync($"/api/enrollment/{Id}/dc-api",
            JsonSerializer.Serialize(new { protocol, data = new { response = jwe } }));
    }

    /// <summary>
    /// The request parameters the page offered for <paramref name="protocol"/>: as is for <c>openid4vp-v1-unsigned</c>; for
    /// <c>openid4vp-v1-signed</c> the payload of <c>data.request</c> once its ES256 signature verifies with the x5c leaf key.
    /// </summary>
    public JsonObject DigitalCredentialsRequest(string protocol)
    {
        var request = Started!["digitalCredentials"]!["digital"]!["requests"]!.AsArray()
            .Single(r => r!["protocol"]!.GetValue<string>() == protocol)!;
        return protocol == "openid4vp-v1-signed"
            ? SignedRequest.Verify(request["data"]!["request"]!.GetValue<string>()).Claims
            : (JsonObject)request["data"]!;
    }

    public async Task<JsonObject> StateAsync()
    {
        using var response = await browser.Http.GetAsync($"/api/enrollment/{Id}");
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    /// <summary>Registers the passkey of a verified enrolment with <paramref name="authenticator"/>.</summary>
    public async Task<HttpResponseMessage> RegisterPasskeyAsync(SoftwareAuthenticator authenticator) =>
        await browser.PostJsonAsync($"/api/enrollment/{Id}/passkey",
            authenticator.Create(await browser.OptionsAsync($"/api/enrollment/{Id}/passkey/options")));
}
