using System.Buffers.Text;
using System.Text.Json.Serialization;
using Identity.Grains.Passkeys;

namespace Identity.Api.Passkeys;

public sealed record RegistrationOptionsRequest(string? Nickname);

public sealed record RenamePasskeyRequest(string? Name);

public sealed record RegistrationResponse(
    [property: JsonPropertyName("hl7_person_identifier")] string PersonIdentifier, PasskeySummary? Passkey);

public sealed record SignInResponse([property: JsonPropertyName("hl7_person_identifier")] string PersonIdentifier);

public sealed record AccountResponse(
    [property: JsonPropertyName("hl7_person_identifier")] string PersonIdentifier, string IdentityAssurance, DateTimeOffset? AuthTime, string[] Amr);

/// <summary>What the patient sees of a passkey; never the key itself.</summary>
public sealed record PasskeySummary(
    string Id, string Name, int Algorithm, bool Synced, bool BackedUp, Guid Aaguid, string[] Transports,
    DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RemovedAt)
{
    public static PasskeySummary From(PasskeyRecord passkey) => new(
        Base64Url.EncodeToString(passkey.CredentialId), passkey.Name, passkey.Algorithm, passkey.IsBackupEligible,
        passkey.IsBackedUp, passkey.Aaguid, passkey.Transports, passkey.CreatedAt, passkey.LastUsedAt, passkey.RevokedAt);

    public static PasskeySummary? FromOrNull(PasskeyRecord? passkey) => passkey is null ? null : From(passkey);
}
