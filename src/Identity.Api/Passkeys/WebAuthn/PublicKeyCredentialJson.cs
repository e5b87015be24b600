using System.Buffers.Text;
using System.Text.Json;

namespace Identity.Api.Passkeys.WebAuthn;

/// <summary>
/// The fields of a <c>PublicKeyCredential.toJSON()</c> result that the service reads itself
/// (Identity parses the full object); binary members are base64url.
/// </summary>
public sealed record PublicKeyCredentialJson(
    byte[] RawId,
    byte[] ClientDataJson,
    byte[]? AttestationObject,
    byte[]? AuthenticatorData,
    byte[]? Signature,
    byte[]? UserHandle,
    string[] Transports)
{
    private const int MaxTransports = 8;

    public static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 16 };

    public static PublicKeyCredentialJson Parse(string json)
    {
        using var document = JsonDocument.Parse(json, DocumentOptions);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || Text(root, "type") != "public-key")
        {
            throw new FormatException("The credential must be a JSON object of type 'public-key'.");
        }
        var response = root.TryGetProperty("response", out var r) && r.ValueKind == JsonValueKind.Object
            ? r
            : throw new FormatException("The credential has no response object.");
        var rawId = Binary(root, "rawId");
        var id = Binary(root, "id");
        if (rawId is not null && id is not null && !rawId.AsSpan().SequenceEqual(id))
        {
            throw new FormatException("The credential's id and rawId differ.");
        }
        return new PublicKeyCredentialJson(
            rawId ?? id ?? throw new FormatException("The credential has no id."),
            Binary(response, "clientDataJSON") ?? throw new FormatException("The credential has no clientDataJSON."),
            Binary(response, "attestationObject"),
            Binary(response, "authenticatorData"),
            Binary(response, "signature"),
            Binary(response, "userHandle"),
            TransportsOf(response));
    }

    private static string[] TransportsOf(JsonElement response) =>
        response.TryGetProperty("transports", out var transports) && transports.ValueKind == JsonValueKind.Array
            ? [.. transports.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.String).Select(t => t.GetString()!).Take(MaxTransports)]
            : [];

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static byte[]? Binary(JsonElement element, string name) =>
        Text(element, name) is { } text ? Base64Url.DecodeFromChars(text) : null;
}
