using Hl7.Fhir.Model;
using Identity.Api.Audit;
using Identity.Grains.Audit;
using Microsoft.Extensions.Options;
using static Hl7.Fhir.Model.AuditEvent;

namespace Identity.Api.Enrollment;

/// <summary>
/// Identity-proofing events: each is stored in the audit trail before the change it announces (so an enrolment that
/// cannot be audited changes nothing) and logged with codes and pseudonymous ids only, never document content.
/// </summary>
public sealed partial class EnrollmentEvents(IAuditTrail audit, IOptions<AuditSettings> settings, TimeProvider time, ILogger<EnrollmentEvents> logger)
{
    public const string SubtypeSystem = "urn:identityconsent:audit:enrollment";
    public const string TrustAnchorSystem = "urn:identityconsent:iaca";

    /// <summary>An mDL was verified: a new patient is about to be created, or (recovery) an existing one re-verified.</summary>
    public async Task<AuditEvent> IdentityVerifiedAsync(HttpContext http, Guid patient, bool isRecovery, string trustAnchorId)
    {
        var auditEvent = BalpAuditEvents.AccountCreated(Context(http), patient);
        auditEvent.Subtype = [new Coding(SubtypeSystem, isRecovery ? "account-recovery" : "identity-proofing")];
        if (isRecovery)
        {
            auditEvent.Action = AuditEventAction.U;
        }
        auditEvent.Entity.Add(new EntityComponent
        {
            What = new ResourceReference { Identifier = new Identifier(TrustAnchorSystem, trustAnchorId) },
            Type = BalpCodes.SystemObject,
            Role = BalpCodes.SecurityResource,
        });
        await audit.RecordAsync(auditEvent, http.RequestAborted);
        if (isRecovery)
        {
            LogRecovery(logger, patient);
        }
        else
        {
            LogVerified(logger, patient);
        }
        return auditEvent;
    }

    /// <summary>A presentation was refused; nothing was stored. The event names no patient (none is known) and no document data.</summary>
    public async System.Threading.Tasks.Task VerificationFailedAsync(HttpContext http, string code)
    {
        LogRefused(logger, code);
        var auditEvent = BalpAuditEvents.AccountCreated(Context(http), null, code);
        auditEvent.Subtype = [new Coding(SubtypeSystem, "identity-proofing")];
        await audit.RecordAsync(auditEvent, http.RequestAborted);
    }

    private AuditContext Context(HttpContext http) =>
        new(settings.Value.Site, http.Connection.RemoteIpAddress?.ToString(), time.GetUtcNow());

    [LoggerMessage(2001, LogLevel.Information, "Identity verified with an mDL for new patient {Patient}")]
    private static partial void LogVerified(ILogger logger, Guid patient);

    [LoggerMessage(2002, LogLevel.Information, "Identity verified with an mDL already enrolled: account recovery for patient {Patient}")]
    private static partial void LogRecovery(ILogger logger, Guid patient);

    [LoggerMessage(2003, LogLevel.Warning, "mDL presentation refused: {Code}")]
    private static partial void LogRefused(ILogger logger, string code);
}
