using System.Buffers.Text;
using System.Text.Json;

namespace Identity.Api.Passkeys.WebAuthn;

/// <summary>The client data a browser signs over (WebAuthn §5.8.1).</summary>
public sealed record CollectedClientData(string Type, byte[] Challenge, string Origin, bool CrossOrigin, string? TopOrigin)
{
    public static CollectedClientData Parse(ReadOnlyMemory<byte> clientDataJson)
    {
        using var document = JsonDocument.Parse(clientDataJson, PublicKeyCredentialJson.DocumentOptions);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("clientDataJSON is not a JSON object.");
        }
        return new CollectedClientData(
            Text(root, "type") ?? throw new FormatException("clientDataJSON has no type."),
            Base64Url.DecodeFromChars(Text(root, "challenge") ?? throw new FormatException("clientDataJSON has no challenge.")),
            Text(root, "origin") ?? throw new FormatException("clientDataJSON has no origin."),
            root.TryGetProperty("crossOrigin", out var cross) && cross.ValueKind == JsonValueKind.True,
            Text(root, "topOrigin"));
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
