namespace Identity.Grains.Enrollment;

/// <summary>
/// One enrolment session, keyed by a random id (at least 128 bits). Held in memory only, so a session disappears after
/// its 10 minutes (or when its silo goes away); each transition happens once, so a response or a passkey registration
/// cannot be replayed.
/// </summary>
public interface IEnrollmentGrain : IGrainWithStringKey
{
    /// <summary>Starts the session; false when this id is already taken.</summary>
    Task<bool> StartAsync(EnrollmentSession session);

    /// <summary>The session, or null when there is none (never started, or expired and gone).</summary>
    Task<EnrollmentSession?> GetAsync();

    /// <summary>Spends the nonce: moves a pending, unexpired session to <see cref="EnrollmentStatus.Verifying"/> and returns it; null otherwise.</summary>
    Task<EnrollmentSession?> BeginVerificationAsync();

    Task VerifiedAsync(Guid patient, bool isRecovery);

    Task FailedAsync(string code);

    /// <summary>Moves a verified session to <see cref="EnrollmentStatus.Completed"/>; false when it was not verified or is already used.</summary>
    Task<bool> CompleteAsync();
}
