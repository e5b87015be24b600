using Identity.Grains.Passkeys;

namespace Identity.Grains.Patients;

/// <summary>
/// One patient, keyed by their <c>hl7_person_identifier</c> (a random UUID v4, never derived from anything else).
/// Every change is acknowledged only after the new state is written to grain storage.
/// </summary>
public interface IPatientGrain : IGrainWithGuidKey
{
    /// <summary>The patient, or null when no patient has this identifier.</summary>
    Task<PatientSnapshot?> GetAsync();

    /// <summary>Creates the patient with unverified identity; calling it again changes nothing.</summary>
    Task<PatientSnapshot> CreateUnverifiedAsync();

    /// <summary>Registers a new passkey, or records a use of an existing one (sign count, BS flag, last use).</summary>
    /// <summary>
    /// Records a verified identity (IAL2) and raises the patient's assurance; a later verification replaces the earlier one.
    /// Returns false when no patient has this identifier.
    /// </summary>
    Task<bool> RecordVerifiedIdentityAsync(VerifiedIdentity identity);

    Task<PasskeyChange> AddOrUpdatePasskeyAsync(PasskeyRecord passkey);

    Task<PasskeyChange> RenamePasskeyAsync(byte[] credentialId, string name);

    /// <summary>Revokes a passkey (kept with a timestamp); the last active passkey cannot be revoked.</summary>
    Task<PasskeyChange> RevokePasskeyAsync(byte[] credentialId);
}
