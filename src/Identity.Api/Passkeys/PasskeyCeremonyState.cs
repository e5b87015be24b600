using System.Text.Json;
using Microsoft.AspNetCore.Identity;

namespace Identity.Api.Passkeys;

/// <summary>
/// The server state kept between options and response (in Identity's encrypted cookie). It is an envelope of this
/// service, <c>{"identityState": "...", "issuedAt": unix ms}</c>, around Identity's own state:
/// <c>{"challenge": base64, "userEntity": {...}}</c> for registration, <c>{"challenge": base64, "userId": ...}</c> for sign-in.
/// Identity's format is its own; the WebAuthn vector tests fail loudly if a new version changes it.
/// </summary>
public sealed record PasskeyCeremonyState(string IdentityState, DateTimeOffset IssuedAt, byte[] Challenge, PasskeyUserEntity? UserEntity, string? UserId)
{
    private static readonly JsonDocumentOptions Limits = new() { MaxDepth = 8 };

    /// <summary>Wraps Identity's state with the time the challenge was issued.</summary>
    public static string Envelope(string identityState, DateTimeOffset issuedAt) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["identityState"] = identityState,
        ["issuedAt"] = issuedAt.ToUnixTimeMilliseconds(),
    });

    public static PasskeyCeremonyState Parse(string? envelope)
    {
        if (string.IsNullOrEmpty(envelope))
        {
            throw new PasskeyException("There is no passkey ceremony in progress: request new options first.");
        }
        string identityState;
        DateTimeOffset issuedAt;
        using (var outer = JsonDocument.Parse(envelope, Limits))
        {
            if (!outer.RootElement.TryGetProperty("identityState", out var inner) || inner.ValueKind != JsonValueKind.String
                || !outer.RootElement.TryGetProperty("issuedAt", out var issued) || !issued.TryGetInt64(out var issuedMs))
            {
                throw new PasskeyException("There is no passkey ceremony in progress: request new options first.");
            }
            identityState = inner.GetString()!;
            issuedAt = DateTimeOffset.FromUnixTimeMilliseconds(issuedMs);
        }
        using var document = JsonDocument.Parse(identityState, Limits);
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
        return new PasskeyCeremonyState(identityState, issuedAt, challenge, user, userId);
    }
}
