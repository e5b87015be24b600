namespace Identity.Api.Passkeys;

/// <summary>
/// Security events of patient accounts, logged with the pseudonymous person identifier only (no names, keys or
/// credential ids). The tamper-evident FHIR AuditEvent trail builds on these calls.
/// </summary>
public sealed partial class PatientEvents(ILogger<PatientEvents> logger)
{
    public void PasskeyAdded(Guid patient) => LogPasskeyAdded(logger, patient);

    public void PasskeyRemoved(Guid patient) => LogPasskeyRemoved(logger, patient);

    public void PasskeyRejected(string ceremony, string code) => LogPasskeyRejected(logger, ceremony, code);

    public void SignedIn(Guid patient) => LogSignedIn(logger, patient);

    public void SignInFailed(string code) => LogSignInFailed(logger, code);

    [LoggerMessage(1001, LogLevel.Information, "Passkey added for patient {Patient}")]
    private static partial void LogPasskeyAdded(ILogger logger, Guid patient);

    [LoggerMessage(1002, LogLevel.Information, "Passkey removed for patient {Patient}")]
    private static partial void LogPasskeyRemoved(ILogger logger, Guid patient);

    [LoggerMessage(1003, LogLevel.Warning, "Passkey {Ceremony} rejected: {Code}")]
    private static partial void LogPasskeyRejected(ILogger logger, string ceremony, string code);

    [LoggerMessage(1004, LogLevel.Information, "Patient {Patient} signed in with a passkey")]
    private static partial void LogSignedIn(ILogger logger, Guid patient);

    [LoggerMessage(1005, LogLevel.Warning, "Passkey sign-in failed: {Code}")]
    private static partial void LogSignInFailed(ILogger logger, string code);
}
