using System.Text.Json;
using Microsoft.AspNetCore.Identity;

namespace Identity.Api.Passkeys;

/// <summary>
/// The server state Identity keeps between options and response (its cookie payload):
/// <c>{"challenge": base64, "userEntity": {...}}</c> for registration, <c>{"challenge": base64, "userId": ...}</c> for sign-in.
/// The format is Identity's own; the WebAuthn vector tests fail loudly if a new version changes it.
/// </summary>
public sealed record PasskeyCeremonyState(byte[] Challenge, PasskeyUserEntity? UserEntity, string? UserId)
{
    public static PasskeyCeremonyState Parse(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            throw new PasskeyException("There is no passkey ceremony in progress: request new options first.");
        }
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 8 });
        var root = document.RootElement;
        var challenge = root.GetProperty("challenge").GetBytesFromBase64();
        PasskeyUserEntity? user = null;
        if (root.TryGetProperty("userEntity", out var entity) && entity.ValueKind == JsonValueKind.Object)
        {
            user = new PasskeyUserEntity
            {
                Id = entity.GetProperty("id").GetString()!,
                Name = entity.GetProperty("name").GetString()!,
                DisplayName = entity.GetProperty("displayName").GetString()!,
            };
        }
        var userId = root.TryGetProperty("userId", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
        return new PasskeyCeremonyState(challenge, user, userId);
    }
}
