using Hl7.Fhir.Model;
using Identity.Api.Audit;
using Identity.Grains.Consent;

namespace Identity.Api.Consent;

/// <summary>
/// Decisions for networks (the JSON endpoint and the CDS Hooks service share it): one grain call with the patient's
/// rules already in memory, and a BALP AuthZconsent AuditEvent in the patient's chain carrying the purpose of use and,
/// for break-the-glass, its reason. A break-the-glass decision is answered only once its event is committed; any other
/// is a hot path (ARCHITECTURE.md): its event is queued for the next group commit (<see cref="IAuditTrail.RecordHotPathAsync"/>).
/// </summary>
public sealed class ConsentDecisions(IGrainFactory grains, IAuditTrail audit, PatientConsents consents)
{
    public async Task<ConsentDecision> DecideAsync(Guid patient, ConsentDecisionRequest request, ResourceReference requestor, string? reason,
        string? clientAddress, CancellationToken cancellationToken = default)
    {
        var decision = await grains.GetGrain<IPatientConsentGrain>(patient).DecideAsync(request);
        var auditEvent = ConsentAuditEvents.Decision(consents.Context(clientAddress), patient, requestor, request, decision, reason);
        if (request.PurposeOfUse == ConsentCodes.BreakTheGlass)
        {
            await audit.RecordAsync(auditEvent, cancellationToken);
        }
        else
        {
            await audit.RecordHotPathAsync(auditEvent, cancellationToken);
        }
        return decision;
    }

    public static string Code(ConsentOutcome outcome) => outcome switch
    {
        ConsentOutcome.Permit => "CONSENT_PERMIT",
        ConsentOutcome.Deny => "CONSENT_DENY",
        _ => "NO_CONSENT",
    };
}
