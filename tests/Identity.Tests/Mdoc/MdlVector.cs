using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Identity.Grains.Mdoc;

namespace Identity.Tests.Mdoc;

/// <summary>One case of <c>shared/vectors/mdl/manifest.json</c> (see its README) and the verifier inputs it implies.</summary>
public sealed record MdlVector(string Id, JsonElement Case)
{
    public static readonly string Root = FindRoot();

    private static readonly Lazy<JsonElement> Manifest = new(() =>
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "manifest.json")));
        return manifest.RootElement.Clone();
    });

    public static IEnumerable<string> Ids => Manifest.Value.GetProperty("cases").EnumerateArray().Select(c => c.GetProperty("id").GetString()!);

    public static JsonElement TranscriptExamples => Manifest.Value.GetProperty("session_transcript_examples");

    public static IEnumerable<string> ErrorCategories => Manifest.Value.GetProperty("error_categories").EnumerateArray().Select(e => e.GetString()!);

    public static MdlVector Load(string id) =>
        new(id, Manifest.Value.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("id").GetString() == id));

    public string FilePath => Path.Combine(Root, Case.GetProperty("file").GetString()!);

    public byte[] DeviceResponse => File.ReadAllBytes(FilePath);

    public JsonElement Handover => Case.GetProperty("handover");

    public DateTimeOffset VerificationTime => DateTimeOffset.Parse(Case.GetProperty("verification_time").GetString()!, System.Globalization.CultureInfo.InvariantCulture);

    public bool ExpectValid => Case.GetProperty("expected").GetProperty("result").GetString() == "valid";

    public string[] AcceptedErrors => Case.GetProperty("expected").TryGetProperty("accept", out var accept)
        ? [.. accept.EnumerateArray().Select(a => a.GetString()!)]
        : [];

    public string? ExpectedTranscriptHex => Case.TryGetProperty("expected_session_transcript_hex", out var hex) ? hex.GetString() : null;

    public JsonNode? ExpectedDisclosed => Case.TryGetProperty("expected_disclosed", out var disclosed) ? JsonNode.Parse(disclosed.GetRawText()) : null;

    public IacaTrustList TrustList => IacaTrustList.FromCertificates(
        Case.GetProperty("trust_anchors").EnumerateArray().Select(a =>
            System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(Root, a.GetString()!)))));

    public MdocVerificationContext Context() => new(Transcript(Handover), VerificationTime) { ReaderKey = ReaderKey() };

    public static SessionTranscript Transcript(JsonElement handover)
    {
        var thumbprint = handover.TryGetProperty("jwk_thumbprint", out var t) && t.ValueKind == JsonValueKind.String
            ? Base64Url.DecodeFromChars(t.GetString()!)
            : null;
        return handover.GetProperty("type").GetString() switch
        {
            "OpenID4VPHandover" => SessionTranscript.ForOpenId4Vp(
                handover.GetProperty("client_id").GetString()!, handover.GetProperty("nonce").GetString()!, thumbprint, handover.GetProperty("response_uri").GetString()!),
            "OpenID4VPDCAPIHandover" => SessionTranscript.ForOpenId4VpDcApi(
                handover.GetProperty("origin").GetString()!, handover.GetProperty("nonce").GetString()!, thumbprint),
            "iso18013-5-proximity" => SessionTranscript.FromSessionTranscriptBytes(Convert.FromHexString(handover.GetProperty("session_transcript_bytes_hex").GetString()!)),
            var other => throw new NotSupportedException(other),
        };
    }

    private ECDiffieHellman? ReaderKey()
    {
        if (!Handover.TryGetProperty("ephemeral_reader_private_key", out var jwk))
        {
            return null;
        }
        return ECDiffieHellman.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            D = Convert.FromHexString(jwk.GetProperty("d").GetString()!),
            Q = new ECPoint { X = Convert.FromHexString(jwk.GetProperty("x").GetString()!), Y = Convert.FromHexString(jwk.GetProperty("y").GetString()!) },
        });
    }

    public override string ToString() => Id;

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "shared", "vectors", "mdl");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException("shared/vectors/mdl was not found above the test directory (it sits beside the repository).");
    }
}
