using System.Text.Json;

namespace Identity.Tests.Browser;

/// <summary>A credential as the virtual authenticator holds it; <see cref="CredentialId"/> is standard base64, not base64url.</summary>
public sealed record StoredCredential(string CredentialId, bool IsResidentCredential, string RpId, int SignCount, bool BackupEligibility, bool BackupState)
{
    internal static StoredCredential From(JsonElement credential) => new(
        credential.GetProperty("credentialId").GetString()!,
        credential.GetProperty("isResidentCredential").GetBoolean(),
        credential.GetProperty("rpId").GetString()!,
        credential.GetProperty("signCount").GetInt32(),
        credential.TryGetProperty("backupEligibility", out var eligible) && eligible.GetBoolean(),
        credential.TryGetProperty("backupState", out var state) && state.GetBoolean());

    /// <summary>The id as the server and <c>toJSON()</c> spell it.</summary>
    public string CredentialIdBase64Url => CredentialId.TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
