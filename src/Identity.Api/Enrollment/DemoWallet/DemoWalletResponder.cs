using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Identity.Grains.Mdoc;

namespace Identity.Api.Enrollment.DemoWallet;

/// <summary>
/// Development only: answers an OpenID4VP request object (as served at <c>request_uri</c>) like a wallet holding the
/// demo mDL would: discloses the requested elements, signs the transcript the request implies and, for
/// <c>direct_post.jwt</c>, encrypts the response to the request's key.
/// </summary>
public sealed class DemoWalletResponder(DemoIssuingAuthority issuer)
{
    public DemoWalletAnswer Answer(string requestObject, DemoHolder holder)
    {
        var request = ReadUnsigned(requestObject);
        var clientId = Text(request, "client_id");
        var responseUri = Text(request, "response_uri");
        var nonce = Text(request, "nonce");
        var mode = Text(request, "response_mode");
        var query = request["dcql_query"]?["credentials"]?[0] as JsonObject ?? throw Invalid("The request has no DCQL credential query.");
        var queryId = query["id"]?.GetValue<string>() ?? throw Invalid("The credential query has no id.");
        if (query["meta"]?["doctype_value"]?.GetValue<string>() != MdlQuery.DocType)
        {
            throw Invalid("The demo wallet holds only an mDL.");
        }
        var elements = (query["claims"] as JsonArray ?? [])
            .Select(claim => claim?["path"] is JsonArray { Count: 2 } path && path[0]?.GetValue<string>() == MdlQuery.NameSpace ? path[1]?.GetValue<string>() : null)
            .OfType<string>().ToHashSet(StringComparer.Ordinal);

        JsonObject? jwk = null;
        var enc = "A128GCM";
        if (mode == "direct_post.jwt")
        {
            jwk = request["client_metadata"]?["jwks"]?["keys"]?[0] as JsonObject ?? throw Invalid("direct_post.jwt needs client_metadata.jwks.");
            enc = (request["client_metadata"]?["encrypted_response_enc_values_supported"] as JsonArray)?.FirstOrDefault()?.GetValue<string>() ?? enc;
        }
        else if (mode != "direct_post")
        {
            throw Invalid("The demo wallet answers direct_post and direct_post.jwt requests.");
        }
        var thumbprint = jwk is null ? null : ResponseEncryptionKey.ThumbprintOf(Text(jwk, "x"), Text(jwk, "y"));
        var transcript = SessionTranscript.ForOpenId4Vp(clientId, nonce, thumbprint, responseUri);
        var deviceResponse = issuer.Present(transcript, holder, elements);
        var vpToken = new JsonObject { [queryId] = new JsonArray(Base64Url.EncodeToString(deviceResponse)) };
        var state = request["state"]?.GetValue<string>();
        if (jwk is null)
        {
            var form = new Dictionary<string, string> { ["vp_token"] = vpToken.ToJsonString() };
            if (state is not null)
            {
                form["state"] = state;
            }
            return new DemoWalletAnswer(responseUri, form);
        }
        var payload = new JsonObject { ["vp_token"] = vpToken };
        if (state is not null)
        {
            payload["state"] = state;
        }
        var jwe = JweEcdhEs.Encrypt(Encoding.UTF8.GetBytes(payload.ToJsonString()), jwk, enc);
        return new DemoWalletAnswer(responseUri, new Dictionary<string, string> { ["response"] = jwe });
    }

    private static JsonObject ReadUnsigned(string requestObject)
    {
        var parts = requestObject.Split('.');
        if (parts.Length != 3 || parts[2].Length != 0)
        {
            throw Invalid("The demo wallet takes unsigned request objects (alg none) only.");
        }
        try
        {
            var header = JsonNode.Parse(Base64Url.DecodeFromChars(parts[0])) as JsonObject;
            if (header?["alg"]?.GetValue<string>() != "none")
            {
                throw Invalid("The demo wallet takes unsigned request objects (alg none) only.");
            }
            return JsonNode.Parse(Base64Url.DecodeFromChars(parts[1])) as JsonObject ?? throw Invalid("The request object's payload is not a JSON object.");
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException)
        {
            throw Invalid("The request object is not base64url JSON.");
        }
    }

    private static string Text(JsonObject node, string name) =>
        node[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : throw Invalid($"The request lacks '{name}'.");

    private static DemoWalletException Invalid(string detail) => new(detail);
}
