using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Identity.Grains.Mdoc;

namespace Identity.Api.Commands;

/// <summary>
/// <c>mdoc verify</c>: runs the enrolment verifier on one DeviceResponse file and prints one JSON verdict, for wallet
/// interoperability checks. Exit 0 when valid, 1 when refused, 2 on bad arguments.
/// </summary>
public sealed class MdocVerifyCommand : IOperatorCommand
{
    public IReadOnlyList<string> Verbs { get; } = ["mdoc", "verify"];

    public string Usage =>
        "--response FILE --handover openid4vp|dcapi|annex-c|proximity [--client-id ID --nonce N --response-uri URI | --origin ORIGIN --nonce N] "
        + "[--jwk-thumbprint B64URL] [--encryption-info B64URL] [--session-transcript-bytes HEX --reader-key PEM] --trust DIR --at ISO-8601";

    public async Task<int> RunAsync(IReadOnlyList<string> arguments, IConfiguration configuration, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(output);
        Dictionary<string, string> options;
        MdocVerifier verifier;
        MdocVerificationContext context;
        byte[] response;
        try
        {
            options = ParseOptions(arguments);
            response = ReadResponse(await File.ReadAllBytesAsync(Required(options, "response"), cancellationToken));
            verifier = new MdocVerifier(IacaTrustList.FromFolder(Required(options, "trust")));
            var at = DateTimeOffset.Parse(Required(options, "at"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
            context = new MdocVerificationContext(Transcript(options), at) { ReaderKey = ReaderKey(options) };
        }
        catch (Exception e) when (e is ArgumentException or FormatException or IOException or CryptographicException or UnauthorizedAccessException)
        {
            await WriteAsync(output, writer =>
            {
                writer.WriteBoolean("valid", false);
                writer.WriteString("error", "usage");
                writer.WriteString("detail", $"{e.Message} Usage: mdoc verify {Usage}");
            });
            return 2;
        }

        var result = verifier.Verify(response, context);
        await WriteAsync(output, writer =>
        {
            writer.WriteBoolean("valid", result.IsValid);
            if (!result.IsValid)
            {
                writer.WriteString("error", result.ErrorCode);
                writer.WriteString("detail", result.Detail);
                return;
            }
            var document = result.Document;
            writer.WriteString("docType", document.DocType);
            writer.WriteStartObject("elements");
            foreach (var (nameSpace, elements) in document.Elements)
            {
                writer.WriteStartObject(nameSpace);
                foreach (var (identifier, value) in elements)
                {
                    writer.WritePropertyName(identifier);
                    value.WriteJson(writer);
                }
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
            writer.WriteStartObject("issuer");
            writer.WriteString("documentSigner", document.Issuer.DocumentSignerSubject);
            writer.WriteString("iaca", document.Issuer.IacaSubject);
            writer.WriteString("iacaId", document.Issuer.IacaId);
            writer.WriteString("country", document.Issuer.Country);
            writer.WriteEndObject();
            writer.WriteString("deviceAuthentication", document.DeviceAuthentication == MdocDeviceAuthentication.Mac ? "mac" : "signature");
        });
        return result.IsValid ? 0 : 1;
    }

    private static SessionTranscript Transcript(Dictionary<string, string> options)
    {
        var thumbprint = options.TryGetValue("jwk-thumbprint", out var t) ? Base64Url.DecodeFromChars(t) : null;
        return Required(options, "handover") switch
        {
            "openid4vp" => SessionTranscript.ForOpenId4Vp(Required(options, "client-id"), Required(options, "nonce"), thumbprint, Required(options, "response-uri")),
            "dcapi" => SessionTranscript.ForOpenId4VpDcApi(Required(options, "origin"), Required(options, "nonce"), thumbprint),
            "annex-c" => SessionTranscript.ForIsoDcApi(Required(options, "encryption-info"), Required(options, "origin")),
            "proximity" => SessionTranscript.FromSessionTranscriptBytes(Convert.FromHexString(Required(options, "session-transcript-bytes"))),
            var other => throw new ArgumentException($"Unknown --handover '{other}'."),
        };
    }

    private static ECDiffieHellman? ReaderKey(Dictionary<string, string> options)
    {
        if (!options.TryGetValue("reader-key", out var path))
        {
            return null;
        }
        var key = ECDiffieHellman.Create();
        key.ImportFromPem(File.ReadAllText(path));
        return key;
    }

    /// <summary>Raw CBOR, or its base64url (a vp_token value); a CBOR DeviceResponse map never starts with a base64url character.</summary>
    internal static byte[] ReadResponse(byte[] file)
    {
        var text = file.AsSpan().Trim(" \t\r\n"u8);
        return !text.IsEmpty && Base64Url.IsValid(text) ? Base64Url.DecodeFromUtf8(text) : file;
    }

    private static Dictionary<string, string> ParseOptions(IReadOnlyList<string> arguments)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < arguments.Count; i++)
        {
            var name = arguments[i];
            if (!name.StartsWith("--", StringComparison.Ordinal) || i + 1 >= arguments.Count)
            {
                throw new ArgumentException($"Expected '--option value' at '{name}'.");
            }
            options[name[2..]] = arguments[++i];
        }
        return options;
    }

    private static string Required(Dictionary<string, string> options, string name) =>
        options.TryGetValue(name, out var value) ? value : throw new ArgumentException($"--{name} is required.");

    private static async Task WriteAsync(TextWriter output, Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }
        await output.WriteLineAsync(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }
}
