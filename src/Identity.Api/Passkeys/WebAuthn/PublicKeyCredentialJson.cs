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
    byte[]? UserHandle)
{
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
        return new PublicKeyCredentialJson(
            Binary(root, "rawId") ?? Binary(root, "id") ?? throw new FormatException("The credential has no id."),
            Binary(response, "clientDataJSON") ?? throw new FormatException("The credential has no clientDataJSON."),
            Binary(response, "attestationObject"),
            Binary(response, "authenticatorData"),
            Binary(response, "signature"),
            Binary(response, "userHandle"));
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static byte[]? Binary(JsonElement element, string name) =>
        Text(element, name) is { } text ? Base64Url.DecodeFromChars(text) : null;
}
