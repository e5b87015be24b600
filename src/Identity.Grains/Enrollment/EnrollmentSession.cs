namespace Identity.Grains.Enrollment;

/// <summary>
/// One enrolment request and where it stands. Held in memory only by <see cref="EnrollmentGrain"/> (10 minutes):
/// it carries the response-decryption key and the nonce, never anything from the document.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record EnrollmentSession
{
    [Id(0)] public required string Id { get; init; }

    /// <summary>The OpenID4VP nonce (base64url of 32 random bytes), single use.</summary>
    [Id(1)] public required string Nonce { get; init; }

    /// <summary>The origin of the page that started the enrolment (the DC API transcript's origin, and the base of every URL).</summary>
    [Id(2)] public required string Origin { get; init; }

    /// <summary>The ephemeral verifier key (P-256, PKCS#8) responses are encrypted to.</summary>
    [Id(3)] public required byte[] ResponseKey { get; init; }

    /// <summary>SHA-256 of the secret in the starting browser's cookie: only that browser may see the result and register the passkey.</summary>
    [Id(4)] public required byte[] BrowserBinding { get; init; }

    [Id(5)] public required DateTimeOffset ExpiresAt { get; init; }

    [Id(6)] public EnrollmentFlow Flow { get; init; }

    [Id(7)] public EnrollmentStatus Status { get; init; }

    /// <summary>After verification: the patient (new or recovered).</summary>
    [Id(8)] public Guid? Patient { get; init; }

    /// <summary>After verification: true when the document already belonged to a patient (account recovery).</summary>
    [Id(9)] public bool IsRecovery { get; init; }

    /// <summary>After a refusal: the stable problem code.</summary>
    [Id(10)] public string? FailureCode { get; init; }

    public bool IsExpired(DateTimeOffset now) => now > ExpiresAt;
}
