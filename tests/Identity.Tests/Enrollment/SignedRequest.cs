using System.Buffers.Text;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;

namespace Identity.Tests.Enrollment;

/// <summary>What a wallet does with an <c>openid4vp-v1-signed</c> request: check the ES256 JWS with the key of the x5c leaf certificate.</summary>
public sealed record SignedRequest(JsonObject Header, JsonObject Claims, X509Certificate2 Leaf)
{
    public static SignedRequest Verify(string jws)
    {
        var parts = jws.Split('.');
        Assert.Equal(3, parts.Length);
        var header = (JsonObject)JsonNode.Parse(Base64Url.DecodeFromChars(parts[0]))!;
        Assert.Equal("ES256", header["alg"]!.GetValue<string>());
        Assert.Equal("oauth-authz-req+jwt", header["typ"]!.GetValue<string>());
        var leaf = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(header["x5c"]![0]!.GetValue<string>()));
        using var key = leaf.GetECDsaPublicKey()!;
        Assert.True(key.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), Base64Url.DecodeFromChars(parts[2]),
            HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation), "the request's signature does not verify with the x5c leaf key");
        return new SignedRequest(header, (JsonObject)JsonNode.Parse(Base64Url.DecodeFromChars(parts[1]))!, leaf);
    }
}
