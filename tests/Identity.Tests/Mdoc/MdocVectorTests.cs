using System.Text.Json.Nodes;
using Identity.Grains.Mdoc;

namespace Identity.Tests.Mdoc;

/// <summary>Every case of <c>shared/vectors/mdl</c>, judged as its manifest says.</summary>
public sealed class MdocVectorTests
{
    public static TheoryData<string> Cases => [.. MdlVector.Ids];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Vector_is_judged_as_the_manifest_says(string id)
    {
        var vector = MdlVector.Load(id);
        var verifier = new MdocVerifier(vector.TrustList);

        var result = verifier.Verify(vector.DeviceResponse, vector.Context());

        if (vector.ExpectValid)
        {
            Assert.True(result.IsValid, result.ToString());
            Assert.Equal("org.iso.18013.5.1.mDL", result.Document.DocType);
            var actual = MdocJson.Elements(result.Document);
            Assert.True(JsonNode.DeepEquals(vector.ExpectedDisclosed, actual), $"disclosed elements differ:\n{actual.ToJsonString()}");
        }
        else
        {
            Assert.False(result.IsValid);
            Assert.Contains(result.ErrorCode, vector.AcceptedErrors);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Session_transcript_is_rebuilt_byte_for_byte(string id)
    {
        var vector = MdlVector.Load(id);
        if (vector.ExpectedTranscriptHex is not { } expected)
        {
            return;
        }

        var transcript = MdlVector.Transcript(vector.Handover);

        Assert.Equal(expected, Convert.ToHexStringLower(transcript.Encoded.Span));
    }

    [Fact]
    public void OpenId4Vp_specification_examples_give_their_handover_info_and_transcript()
    {
        foreach (var example in MdlVector.TranscriptExamples.EnumerateArray())
        {
            var handover = example.GetProperty("handover");
            var thumbprint = System.Buffers.Text.Base64Url.DecodeFromChars(handover.GetProperty("jwk_thumbprint").GetString()!);
            var info = handover.GetProperty("type").GetString() == "OpenID4VPHandover"
                ? SessionTranscript.OpenId4VpHandoverInfo(handover.GetProperty("client_id").GetString()!, handover.GetProperty("nonce").GetString()!, thumbprint, handover.GetProperty("response_uri").GetString()!)
                : SessionTranscript.OpenId4VpDcApiHandoverInfo(handover.GetProperty("origin").GetString()!, handover.GetProperty("nonce").GetString()!, thumbprint);

            Assert.Equal(example.GetProperty("handover_info_hex").GetString(), Convert.ToHexStringLower(info));
            Assert.Equal(example.GetProperty("session_transcript_hex").GetString(), Convert.ToHexStringLower(MdlVector.Transcript(handover).Encoded.Span));
        }
    }

    [Fact]
    public void Jwk_thumbprint_of_the_specification_example_is_its_rfc7638_hash()
    {
        var example = MdlVector.TranscriptExamples[0];
        var jwk = example.GetProperty("jwk");
        var canonical = $$"""{"crv":"{{jwk.GetProperty("crv").GetString()}}","kty":"EC","x":"{{jwk.GetProperty("x").GetString()}}","y":"{{jwk.GetProperty("y").GetString()}}"}""";

        var thumbprint = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(canonical));

        Assert.Equal(example.GetProperty("handover").GetProperty("jwk_thumbprint").GetString(), System.Buffers.Text.Base64Url.EncodeToString(thumbprint));
    }

    [Fact]
    public void Error_codes_are_the_manifest_categories()
    {
        Assert.Equal(MdlVector.ErrorCategories, Enum.GetValues<MdocError>().Select(e => e.ToCode()));
    }
}
