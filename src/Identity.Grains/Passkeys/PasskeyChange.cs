namespace Identity.Grains.Passkeys;

/// <summary>The outcome of a change to a patient's passkeys; anything but <see cref="Done"/> changed nothing.</summary>
[GenerateSerializer]
public enum PasskeyChange
{
    Done = 0,
    PatientNotFound,
    PasskeyNotFound,
    /// <summary>The credential id is already registered to another patient.</summary>
    CredentialTakenByAnotherPatient,
    /// <summary>The authenticator's signature counter did not increase (a cloned authenticator, WebAuthn §6.1.1).</summary>
    SignCountRegressed,
    /// <summary>The BE flag of a credential cannot change after registration (WebAuthn §6.1.3).</summary>
    BackupEligibilityChanged,
    /// <summary>A patient must keep at least one active passkey.</summary>
    LastPasskey,
    PasskeyRevoked,
}
