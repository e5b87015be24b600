using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Identity.Api.Enrollment;

namespace Identity.Tests.Enrollment;

/// <summary>JWE ECDH-ES + AES-GCM for direct_post.jwt / dc_api.jwt (RFC 7518 §4.6), on System.Security.Cryptography alone.</summary>
public sealed class ResponseEncryptionTests
{
    [Fact]
    public void Concat_kdf_derives_the_rfc_7518_appendix_c_key()
    {
        // RFC 7518 Appendix C: Alice's ephemeral key, Bob's static key, A128GCM, apu "Alice", apv "Bob".
        using var alice = ECDiffieHellman.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            D = Base64Url.DecodeFromChars("0_NxaRPUMQoAJt50Gz8YiTr8gRTwyEaCumd-MToTmIo"),
            Q = new ECPoint
            {
                X = Base64Url.DecodeFromChars("gI0GAILBdu7T53akrFmMyGcsF3n5dO7MmwNBHKW5SV0"),
                Y = Base64Url.DecodeFromChars("SLW_xSffzlPWrHEVI30DHM_4egVwt3NQqeUD7nMFpps"),
            },
        });
        using var bob = ECDiffieHellman.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint
            {
                X = Base64Url.DecodeFromChars("weNJy2HscCSM6AEDTDg04biOvhFhyyWvOHQfeF_PxMQ"),
                Y = Base64Url.DecodeFromChars("e8lnCO-AlStT-NJVX-crhB7QRYhiix03illJOVAOyck"),
            },
        });

        var z = alice.DeriveRawSecretAgreement(bob.PublicKey);
        var key = JweEcdhEs.ConcatKdf(z, "A128GCM", 128, "Alice"u8, "Bob"u8);

        Assert.Equal("VqqN6vgjbSBcIijNcacQGg", Base64Url.EncodeToString(key));
    }

    [Theory]
    [InlineData("A128GCM")]
    [InlineData("A256GCM")]
    public void Response_encrypted_to_the_request_key_decrypts(string enc)
    {
        using var key = ResponseEncryptionKey.Create("k1");
        var jwe = JweEcdhEs.Encrypt("""{"vp_token":{}}"""u8, key.PublicJwk(), enc, apu: [1, 2], apv: [3]);

        Assert.Equal("""{"vp_token":{}}""", Encoding.UTF8.GetString(key.Decrypt(jwe)));
        var header = JsonNode.Parse(Base64Url.DecodeFromChars(jwe.Split('.')[0]))!;
        Assert.Equal("k1", header["kid"]!.GetValue<string>());
    }

    [Fact]
    public void Response_for_another_key_or_altered_does_not_decrypt()
    {
        using var key = ResponseEncryptionKey.Create("k1");
        using var other = ResponseEncryptionKey.Create("k2");
        var jwe = JweEcdhEs.Encrypt("secret"u8, other.PublicJwk());
        var parts = JweEcdhEs.Encrypt("secret"u8, key.PublicJwk()).Split('.');
        parts[3] = Base64Url.EncodeToString([.. Base64Url.DecodeFromChars(parts[3]).Select(b => (byte)(b ^ 1))]);

        Assert.Throws<JweException>(() => key.Decrypt(jwe));
        Assert.Throws<JweException>(() => key.Decrypt(string.Join('.', parts)));
        Assert.Throws<JweException>(() => key.Decrypt("a.b.c"));
    }

    [Fact]
    public void Only_ecdh_es_with_aes_gcm_is_accepted()
    {
        using var key = ResponseEncryptionKey.Create("k1");
        var parts = JweEcdhEs.Encrypt("x"u8, key.PublicJwk()).Split('.');
        var header = JsonNode.Parse(Base64Url.DecodeFromChars(parts[0]))!.AsObject();
        header["enc"] = "A128CBC-HS256";
        parts[0] = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header.ToJsonString()));

        Assert.Contains("enc", Assert.Throws<JweException>(() => key.Decrypt(string.Join('.', parts))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Thumbprint_is_the_rfc_7638_sha256_of_the_required_members()
    {
        // RFC 7638 §3.1 style, for an EC key: {"crv","kty","x","y"} in order, no whitespace.
        const string x = "gI0GAILBdu7T53akrFmMyGcsF3n5dO7MmwNBHKW5SV0";
        const string y = "SLW_xSffzlPWrHEVI30DHM_4egVwt3NQqeUD7nMFpps";
        var expected = SHA256.HashData(Encoding.UTF8.GetBytes($$"""{"crv":"P-256","kty":"EC","x":"{{x}}","y":"{{y}}"}"""));

        Assert.Equal(expected, ResponseEncryptionKey.ThumbprintOf(x, y));
    }
}
