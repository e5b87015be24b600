using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Identity.Api.Enrollment;

/// <summary>
/// The ephemeral P-256 key one enrolment request asks the wallet to encrypt its response to (OpenID4VP 1.0 §8.3,
/// <c>direct_post.jwt</c>); its RFC 7638 thumbprint goes into the SessionTranscript.
/// </summary>
public sealed class ResponseEncryptionKey : IDisposable
{
    private readonly ECDiffieHellman _key;

    private ResponseEncryptionKey(ECDiffieHellman key, string keyId)
    {
        _key = key;
        KeyId = keyId;
        var q = key.ExportParameters(false).Q;
        X = Base64Url.EncodeToString(q.X);
        Y = Base64Url.EncodeToString(q.Y);
        Thumbprint = ThumbprintOf(X, Y);
    }

    public string KeyId { get; }

    public string X { get; }

    public string Y { get; }

    /// <summary>The raw 32-byte RFC 7638 SHA-256 thumbprint (the <c>jwkThumbprint</c> of the handover).</summary>
    public byte[] Thumbprint { get; }

    public static ResponseEncryptionKey Create(string keyId) => new(ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256), keyId);

    public static ResponseEncryptionKey FromPkcs8(byte[] pkcs8, string keyId)
    {
        var key = ECDiffieHellman.Create();
        key.ImportPkcs8PrivateKey(pkcs8, out _);
        return new ResponseEncryptionKey(key, keyId);
    }

    /// <summary>RFC 7638 SHA-256 thumbprint of a P-256 public key: the required members in lexicographic order, no whitespace.</summary>
    public static byte[] ThumbprintOf(string x, string y) =>
        SHA256.HashData(Encoding.UTF8.GetBytes($$"""{"crv":"P-256","kty":"EC","x":"{{x}}","y":"{{y}}"}"""));

    public byte[] ExportPkcs8() => _key.ExportPkcs8PrivateKey();

    /// <summary>The public JWK for <c>client_metadata.jwks</c>.</summary>
    public JsonObject PublicJwk() => new()
    {
        ["kty"] = "EC",
        ["crv"] = "P-256",
        ["x"] = X,
        ["y"] = Y,
        ["use"] = "enc",
        ["alg"] = "ECDH-ES",
        ["kid"] = KeyId,
    };

    public byte[] Decrypt(string compactJwe) => JweEcdhEs.Decrypt(compactJwe, _key);

    public void Dispose() => _key.Dispose();
}
