using AuditEvent = Hl7.Fhir.Model.AuditEvent;
using Identity.Api.Audit;
using Identity.Grains.Audit;
using Microsoft.Extensions.Options;

namespace Identity.Api.Passkeys;

/// <summary>
/// Security events of patient accounts: each is stored as a FHIR AuditEvent in the patient's chain (or the system
/// chain when the patient is unknown) before the request is answered, and logged with the pseudonymous person
/// identifier only (no names, keys or credential ids).
/// </summary>
/// <remarks>
/// Ordering: a change is audited once the request is verified and before the change is made, so an operation that
/// cannot be audited changes nothing (503 <c>audit_unavailable</c>). If the change is then refused or fails (a race
/// with another request, storage down), <see cref="NotAppliedAsync"/> records a second entry saying it was not applied.
/// </remarks>
public sealed partial class PatientEvents(IAuditTrail audit, IOptions<AuditSettings> settings, TimeProvider time, ILogger<PatientEvents> logger)
{
    public async Task<AuditEvent> AccountCreatingAsync(HttpContext http, Guid patient)
    {
        var auditEvent = await RecordAsync(BalpAuditEvents.AccountCreated(Context(http), patient), http);
        LogAccountCreated(logger, patient);
        return auditEvent;
    }

    public async Task<AuditEvent> PasskeyAddingAsync(HttpContext http, Guid patient, byte[] credentialId)
    {
        var auditEvent = await RecordAsync(BalpAuditEvents.PasskeyChanged(Context(http), patient, AuditEvent.AuditEventAction.C, credentialId), http);
        LogPasskeyAdded(logger, patient);
        return auditEvent;
    }

    public async Task<AuditEvent> PasskeyRenamingAsync(HttpContext http, Guid patient, byte[] credentialId)
    {
        var auditEvent = await RecordAsync(BalpAuditEvents.PasskeyChanged(Context(http), patient, AuditEvent.AuditEventAction.U, credentialId), http);
        LogPasskeyRenamed(logger, patient);
        return auditEvent;
    }

    public async Task<AuditEvent> PasskeyRemovingAsync(HttpContext http, Guid patient, byte[] credentialId)
    {
        var auditEvent = await RecordAsync(BalpAuditEvents.PasskeyChanged(Context(http), patient, AuditEvent.AuditEventAction.D, credentialId), http);
        LogPasskeyRemoved(logger, patient);
        return auditEvent;
    }

    /// <summary>A registration (no patient yet) or a change to a patient's passkeys was refused.</summary>
    public async Task PasskeyRejectedAsync(HttpContext http, string ceremony, Guid? patient, AuditEvent.AuditEventAction action, byte[]? credentialId, string code)
    {
        var auditEvent = patient is { } id && ceremony != "registration"
            ? BalpAuditEvents.PasskeyChanged(Context(http), id, action, credentialId, code)
            : BalpAuditEvents.AccountCreated(Context(http), patient, code);
        await RecordAsync(auditEvent, http);
        LogPasskeyRejected(logger, ceremony, code);
    }

    public async Task<AuditEvent> SigningInAsync(HttpContext http, Guid patient, byte[] credentialId)
    {
        var auditEvent = await RecordAsync(BalpAuditEvents.SignIn(Context(http), patient, credentialId), http);
        LogSignedIn(logger, patient);
        return auditEvent;
    }

    /// <summary>A sign-in failed; <paramref name="patient"/> is known when the passkey belongs to an account.</summary>
    public async Task SignInFailedAsync(HttpContext http, Guid? patient, byte[]? credentialId, string code)
    {
        await RecordAsync(BalpAuditEvents.SignIn(Context(http), patient, credentialId, code), http);
        LogSignInFailed(logger, code);
    }

    /// <summary>A change audited as done was refused or failed afterwards; best effort, the change did not happen either way.</summary>
    public async Task NotAppliedAsync(HttpContext http, AuditEvent audited, string code)
    {
        try
        {
            await RecordAsync(BalpAuditEvents.NotApplied(audited, time.GetUtcNow(), code), http);
            LogNotApplied(logger, audited.Id ?? "", code);
        }
        catch (AuditUnavailableException)
        {
            LogNotAppliedUnrecorded(logger, audited.Id ?? "", code);
        }
    }

    private async Task<AuditEvent> RecordAsync(AuditEvent auditEvent, HttpContext http)
    {
        await audit.RecordAsync(auditEvent, http.RequestAborted);
        return auditEvent;
    }

    private AuditContext Context(HttpContext http) =>
        new(settings.Value.Site, http.Connection.RemoteIpAddress?.ToString(), time.GetUtcNow());

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

    [LoggerMessage(1006, LogLevel.Information, "Account created for patient {Patient}")]
    private static partial void LogAccountCreated(ILogger logger, Guid patient);

    [LoggerMessage(1007, LogLevel.Information, "Passkey renamed for patient {Patient}")]
    private static partial void LogPasskeyRenamed(ILogger logger, Guid patient);

    [LoggerMessage(1008, LogLevel.Warning, "Change audited as {AuditEventId} was not applied: {Code}")]
    private static partial void LogNotApplied(ILogger logger, string auditEventId, string code);

    [LoggerMessage(1009, LogLevel.Error, "Change audited as {AuditEventId} was not applied ({Code}) and the audit store could not record that")]
    private static partial void LogNotAppliedUnrecorded(ILogger logger, string auditEventId, string code);
}
