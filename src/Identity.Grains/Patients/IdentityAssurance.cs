namespace Identity.Grains.Patients;

/// <summary>How far a patient's identity has been proven (NIST SP 800-63A).</summary>
[GenerateSerializer]
public enum IdentityAssurance
{
    /// <summary>Self-asserted: the patient registered a passkey but has not presented an mDL yet.</summary>
    Unverified = 0,

    /// <summary>Proven at IAL2 with a verified mobile driving licence.</summary>
    Ial2 = 2,
}
