namespace Identity.Grains.Enrollment;

[GenerateSerializer]
public enum EnrollmentStatus
{
    /// <summary>Waiting for the wallet's response.</summary>
    Pending = 0,

    /// <summary>A response arrived and is being verified; the nonce is spent.</summary>
    Verifying = 1,

    /// <summary>Verified: the patient exists (new, or recovered) and may register a passkey.</summary>
    Verified = 2,

    /// <summary>The response was refused; nothing was stored.</summary>
    Failed = 3,

    /// <summary>The passkey was registered; the session is used up.</summary>
    Completed = 4,
}
