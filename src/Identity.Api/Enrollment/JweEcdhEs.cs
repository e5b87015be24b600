using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Identity.Api.Enrollment;

/// <summary>
/// JWE compact serialization with ECDH-ES direct key agreement on P-256 (RFC 7518 §4.6) and AES-GCM content encryption
/// (A128GCM, A256GCM): what OpenID4VP 1.0 §8.3 asks of an encrypted response. Only System.Security.Cryptography.
/// </summary>
public static class JweEcdhEs
{
    /// <summary>Content encryption algorithms this verifier accepts, preferred first.</summary>
    public static readonly string[] SupportedEncryption = ["A128GCM", "A256GCM"];

    /// <summary>A response larger than this is refused before it is parsed (a DeviceResponse with a portrait fits easily).</summary>
    public const int MaxCompactLength = 512 * 1024;

    /// <summary>Decrypts <paramref name="compact"/> with the recipient's private key; throws <see cref="JweException"/> on any defect.</summary>
    public static byte[] Decrypt(string compact, ECDiffieHellman recipient)
    {
        if (compact.Length > MaxCompactLength)
        {
            throw new JweException("The encrypted response is too large.");
        }
        var parts = compact.Split('.');
        if (parts.Length != 5)
        {
            throw new JweException("The encrypted response is not a JWE in compact serialization (five parts).");
        }
        if (parts[1].Length != 0)
        {
            throw new JweException("ECDH-ES direct key agreement carries no encrypted key.");
        }
        JsonObject header;
        try
        {
            header = JsonNode.Parse(Base64Url.DecodeFromChars(parts[0]), documentOptions: new JsonDocumentOptions { MaxDepth = 8 }) as JsonObject
                ?? throw new JweException("The JWE header is not a JSON object.");
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            throw new JweException("The JWE header is not base64url JSON.");
        }
        if (Text(header, "alg") != "ECDH-ES")
        {
            throw new JweException("The JWE alg must be ECDH-ES.");
        }
        var enc = Text(header, "enc");
        if (enc is null || !SupportedEncryption.Contains(enc))
        {
            throw new JweException($"The JWE enc must be one of {string.Join(", ", SupportedEncryption)}.");
        }
        if (header.ContainsKey("zip") || header.ContainsKey("crit"))
        {
            throw new JweException("The JWE uses zip or crit, which this verifier does not support.");
        }
        if (header["epk"] is not JsonObject epk || Text(epk, "kty") != "EC" || Text(epk, "crv") != "P-256")
        {
            throw new JweException("The JWE epk must be a P-256 EC key.");
        }
        try
        {
            using var ephemeral = ECDiffieHellman.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = Coordinate(epk, "x"), Y = Coordinate(epk, "y") },
            });
            var z = recipient.DeriveRawSecretAgreement(ephemeral.PublicKey);
            var key = ConcatKdf(z, enc, KeyBits(enc), Optional(header, "apu"), Optional(header, "apv"));
            var iv = Base64Url.DecodeFromChars(parts[2]);
            var ciphertext = Base64Url.DecodeFromChars(parts[3]);
            var tag = Base64Url.DecodeFromChars(parts[4]);
            if (iv.Length != 12 || tag.Length != 16)
            {
                throw new JweException("The JWE iv must be 96 bits and the tag 128 bits.");
            }
            var plaintext = new byte[ciphertext.Length];
            using var aes = new AesGcm(key, 16);
            aes.Decrypt(iv, ciphertext, tag, plaintext, Encoding.ASCII.GetBytes(parts[0]));
            return plaintext;
        }
        catch (Exception e) when (e is CryptographicException or FormatException or ArgumentException)
        {
            throw new JweException("The encrypted response does not decrypt with this request's key.");
        }
    }

    /// <summary>Encrypts <paramref name="payload"/> to a P-256 public JWK (as a wallet does).</summary>
    public static string Encrypt(ReadOnlySpan<byte> payload, JsonObject recipientJwk, string enc = "A128GCM", byte[]? apu = null, byte[]? apv = null)
    {
        using var recipient = ECDiffieHellman.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = Coordinate(recipientJwk, "x"), Y = Coordinate(recipientJwk, "y") },
        });
        using var ephemeral = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var q = ephemeral.ExportParameters(false).Q;
        var header = new JsonObject
        {
            ["alg"] = "ECDH-ES",
            ["enc"] = enc,
            ["epk"] = new JsonObject { ["kty"] = "EC", ["crv"] = "P-256", ["x"] = Base64Url.EncodeToString(q.X), ["y"] = Base64Url.EncodeToString(q.Y) },
        };
        if (Text(recipientJwk, "kid") is { } kid)
        {
            header["kid"] = kid;
        }
        if (apu is not null)
        {
            header["apu"] = Base64Url.EncodeToString(apu);
        }
        if (apv is not null)
        {
            header["apv"] = Base64Url.EncodeToString(apv);
        }
        var protectedHeader = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header.ToJsonString()));
        var key = ConcatKdf(ephemeral.DeriveRawSecretAgreement(recipient.PublicKey), enc, KeyBits(enc), apu ?? [], apv ?? []);
        var iv = RandomNumberGenerator.GetBytes(12);
        var ciphertext = new byte[payload.Length];
        var tag = new byte[16];
        using var aes = new AesGcm(key, 16);
        aes.Encrypt(iv, payload, ciphertext, tag, Encoding.ASCII.GetBytes(protectedHeader));
        return $"{protectedHeader}..{Base64Url.EncodeToString(iv)}.{Base64Url.EncodeToString(ciphertext)}.{Base64Url.EncodeToString(tag)}";
    }

    /// <summary>
    /// NIST SP 800-56A Concat KDF with SHA-256 as RFC 7518 §4.6.2 profiles it for direct key agreement: AlgorithmID is the
    /// <c>enc</c> value, PartyUInfo/PartyVInfo the decoded apu/apv, each length-prefixed; SuppPubInfo the key length in bits.
    /// </summary>
    public static byte[] ConcatKdf(ReadOnlySpan<byte> z, string algorithmId, int keyBits, ReadOnlySpan<byte> apu, ReadOnlySpan<byte> apv)
    {
        var algorithm = Encoding.ASCII.GetBytes(algorithmId);
        var otherInfo = new byte[4 + algorithm.Length + 4 + apu.Length + 4 + apv.Length + 4];
        var span = otherInfo.AsSpan();
        BinaryPrimitives.WriteInt32BigEndian(span, algorithm.Length);
        algorithm.CopyTo(span[4..]);
        span = span[(4 + algorithm.Length)..];
        BinaryPrimitives.WriteInt32BigEndian(span, apu.Length);
        apu.CopyTo(span[4..]);
        span = span[(4 + apu.Length)..];
        BinaryPrimitives.WriteInt32BigEndian(span, apv.Length);
        apv.CopyTo(span[4..]);
        span = span[(4 + apv.Length)..];
        BinaryPrimitives.WriteInt32BigEndian(span, keyBits);

        var keyBytes = keyBits / 8;
        var output = new byte[(keyBytes + 31) / 32 * 32];
        var round = new byte[4 + z.Length + otherInfo.Length];
        z.CopyTo(round.AsSpan(4));
        otherInfo.CopyTo(round.AsSpan(4 + z.Length));
        for (var counter = 1; (counter - 1) * 32 < keyBytes; counter++)
        {
            BinaryPrimitives.WriteInt32BigEndian(round, counter);
            SHA256.HashData(round, output.AsSpan((counter - 1) * 32));
        }
        return output[..keyBytes];
    }

    private static int KeyBits(string enc) => enc == "A256GCM" ? 256 : 128;

    private static string? Text(JsonObject node, string name) =>
        node[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static byte[] Optional(JsonObject header, string name) =>
        Text(header, name) is { } value ? Base64Url.DecodeFromChars(value) : [];

    private static byte[] Coordinate(JsonObject jwk, string name)
    {
        var bytes = Text(jwk, name) is { } value ? Base64Url.DecodeFromChars(value) : [];
        return bytes.Length == 32 ? bytes : throw new JweException($"The P-256 key's '{name}' must be 32 bytes.");
    }
}
