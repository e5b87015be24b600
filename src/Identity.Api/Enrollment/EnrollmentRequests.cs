using System.Buffers.Text;
using System.Text;
using System.Text.Json.Nodes;
using Identity.Grains.Enrollment;

namespace Identity.Api.Enrollment;

/// <summary>
/// OpenID4VP 1.0 authorization requests for one enrolment session: the Digital Credentials API request
/// (<c>openid4vp-v1-unsigned</c>, Appendix A) and the by-reference request object for redirect and cross-device
/// (<c>request_uri</c>, §5.7). The request object is unsigned (JWS <c>alg: none</c>) because the client id uses the
/// <c>redirect_uri:</c> prefix (§5.9.3), which has no key to sign with. Over the Digital Credentials API a signed request
/// (<c>openid4vp-v1-signed</c>, Appendix A.3.2) is offered too when there is a <see cref="VerifierCertificate"/>.
/// </summary>
public static class EnrollmentRequests
{
    public const string DcApiProtocol = "openid4vp-v1-unsigned";
    public const string DcApiSignedProtocol = "openid4vp-v1-signed";
    public const string RequestObjectMediaType = "application/oauth-authz-req+jwt";

    public static string ResponseUri(EnrollmentSession session) => $"{session.Origin}/api/enrollment/{session.Id}/response";

    public static string RequestUri(EnrollmentSession session) => $"{session.Origin}/api/enrollment/{session.Id}/request";

    /// <summary>The <c>redirect_uri:</c> client id: with <c>direct_post</c> it names the response URI (§5.9.3).</summary>
    public static string ClientId(EnrollmentSession session) => "redirect_uri:" + ResponseUri(session);

    public static string ResponseMode(EnrollmentSession session) =>
        session.Flow == EnrollmentFlow.DirectPost ? "direct_post" : "direct_post.jwt";

    /// <summary>The link a wallet opens (also the QR code's content): <c>openid4vp://?client_id=…&amp;request_uri=…</c>.</summary>
    public static string WalletLink(EnrollmentSession session) =>
        $"openid4vp://?client_id={Uri.EscapeDataString(ClientId(session))}&request_uri={Uri.EscapeDataString(RequestUri(session))}";

    /// <summary>One entry of <c>navigator.credentials.get({digital: {requests: [...]}})</c>; the response comes back encrypted (<c>dc_api.jwt</c>).</summary>
    public static JsonObject DcApiRequest(EnrollmentSession session, ResponseEncryptionKey key) => new()
    {
        ["protocol"] = DcApiProtocol,
        ["data"] = new JsonObject
        {
            ["response_type"] = "vp_token",
            ["response_mode"] = "dc_api.jwt",
            ["nonce"] = session.Nonce,
            ["dcql_query"] = MdlQuery.Dcql(),
            ["client_metadata"] = ClientMetadata(key),
        },
    };

    /// <summary>
    /// The signed Digital Credentials API request: <c>{protocol: "openid4vp-v1-signed", data: {request: JWS}}</c>, the JWS
    /// (ES256, <c>x5c</c>) carrying the client id of <paramref name="verifier"/> and <c>expected_origins</c> = the page's origin.
    /// </summary>
    public static JsonObject SignedDcApiRequest(EnrollmentSession session, ResponseEncryptionKey key, VerifierCertificate verifier) => new()
    {
        ["protocol"] = DcApiSignedProtocol,
        ["data"] = new JsonObject { ["request"] = verifier.Sign(SignedDcApiClaims(session, key, verifier), "oauth-authz-req+jwt") },
    };

    public static JsonObject SignedDcApiClaims(EnrollmentSession session, ResponseEncryptionKey key, VerifierCertificate verifier) => new()
    {
        ["client_id"] = verifier.ClientId(session.Origin),
        ["expected_origins"] = new JsonArray(session.Origin),
        ["response_type"] = "vp_token",
        ["response_mode"] = "dc_api.jwt",
        ["nonce"] = session.Nonce,
        ["dcql_query"] = MdlQuery.Dcql(),
        ["client_metadata"] = ClientMetadata(key),
    };

    /// <summary>The request object served at <c>request_uri</c>: an unsigned JWT (<c>alg: none</c>).</summary>
    public static string RequestObject(EnrollmentSession session, ResponseEncryptionKey key)
    {
        var claims = new JsonObject
        {
            ["client_id"] = ClientId(session),
            ["response_type"] = "vp_token",
            ["response_mode"] = ResponseMode(session),
            ["response_uri"] = ResponseUri(session),
            ["nonce"] = session.Nonce,
            ["state"] = session.Id,
            ["dcql_query"] = MdlQuery.Dcql(),
            ["client_metadata"] = session.Flow == EnrollmentFlow.DirectPost ? ClientMetadata(null) : ClientMetadata(key),
        };
        var header = new JsonObject { ["alg"] = "none", ["typ"] = "oauth-authz-req+jwt" };
        return $"{Encode(header)}.{Encode(claims)}.";
    }

    private static JsonObject ClientMetadata(ResponseEncryptionKey? key)
    {
        // COSE algorithms the verifier accepts: ES256, ES384, ES512, EdDSA.
        JsonArray Algorithms() => [-7, -35, -36, -8];
        var metadata = new JsonObject
        {
            ["vp_formats_supported"] = new JsonObject
            {
                ["mso_mdoc"] = new JsonObject { ["issuerauth_alg_values"] = Algorithms(), ["deviceauth_alg_values"] = Algorithms() },
            },
        };
        if (key is not null)
        {
            metadata["jwks"] = new JsonObject { ["keys"] = new JsonArray(key.PublicJwk()) };
            metadata["encrypted_response_enc_values_supported"] = new JsonArray([.. JweEcdhEs.SupportedEncryption.Select(e => (JsonNode)e)]);
        }
        return metadata;
    }

    private static string Encode(JsonObject json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json.ToJsonString()));
}
