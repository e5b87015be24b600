namespace Identity.Grains.Passkeys;

/// <summary>
/// Keeps a WebAuthn credential id unique across patients. Keyed by the credential id in base64url.
/// A claim is permanent: a revoked credential is never handed to another patient.
/// </summary>
public interface ICredentialIndexGrain : IGrainWithStringKey
{
    /// <summary>The patient owning this credential id, or null.</summary>
    Task<Guid?> GetOwnerAsync();

    /// <summary>Claims the credential id for a patient; true when it is (now) theirs, false when another patient has it.</summary>
    Task<bool> ClaimAsync(Guid patient);
}
