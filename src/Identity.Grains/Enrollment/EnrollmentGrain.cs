namespace Identity.Grains.Enrollment;

/// <summary>Memory-only: the session (with its decryption key) is never written to grain storage.</summary>
public sealed class EnrollmentGrain(TimeProvider time) : Grain, IEnrollmentGrain
{
    /// <summary>OpenID4VP requests and their nonces live this long (PROFILES.md: at most 10 minutes).</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    private EnrollmentSession? _session;

    public Task<bool> StartAsync(EnrollmentSession session)
    {
        if (_session is not null)
        {
            return Task.FromResult(false);
        }
        _session = session with { Status = EnrollmentStatus.Pending };
        // Outlive the session (plus the passkey step) even when idle; then the activation, and the key, go away.
        DelayDeactivation(Lifetime + TimeSpan.FromMinutes(5));
        return Task.FromResult(true);
    }

    public Task<EnrollmentSession?> GetAsync() => Task.FromResult(Current());

    public Task<EnrollmentSession?> BeginVerificationAsync()
    {
        if (Current() is not { Status: EnrollmentStatus.Pending } session || session.IsExpired(time.GetUtcNow()))
        {
            return Task.FromResult<EnrollmentSession?>(null);
        }
        _session = session with { Status = EnrollmentStatus.Verifying };
        return Task.FromResult<EnrollmentSession?>(_session);
    }

    public Task VerifiedAsync(Guid patient, bool isRecovery)
    {
        if (_session is { Status: EnrollmentStatus.Verifying })
        {
            _session = _session with { Status = EnrollmentStatus.Verified, Patient = patient, IsRecovery = isRecovery };
        }
        return Task.CompletedTask;
    }

    public Task FailedAsync(string code)
    {
        if (_session is { Status: EnrollmentStatus.Verifying or EnrollmentStatus.Pending })
        {
            _session = _session with { Status = EnrollmentStatus.Failed, FailureCode = code };
        }
        return Task.CompletedTask;
    }

    public Task<bool> CompleteAsync()
    {
        if (Current() is not { Status: EnrollmentStatus.Verified } session)
        {
            return Task.FromResult(false);
        }
        _session = session with { Status = EnrollmentStatus.Completed };
        return Task.FromResult(true);
    }

    // The passkey step may finish a few minutes after the response; nothing is usable after that.
    private EnrollmentSession? Current() =>
        _session is { } session && time.GetUtcNow() <= session.ExpiresAt + TimeSpan.FromMinutes(5) ? session : null;
}
