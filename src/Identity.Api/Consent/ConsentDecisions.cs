using Hl7.Fhir.Model;
using Identity.Api.Audit;
using Identity.Grains.Consent;

namespace Identity.Api.Consent;

/// <summary>
/// Decisions for networks (the JSON endpoint and the CDS Hooks service share it): one grain call with the patient's
/// rules already in memory, and a BALP AuthZconsent AuditEvent in the patient's chain before the answer, carrying the
/// purpose of use and, for break-the-glass, its reason.
/// </summary>
public sealed class ConsentDecisions(IGrainFactory grains, IAuditTrail audit, PatientConsents consents)
{
    public async Task<ConsentDecision> DecideAsync(Guid patient, ConsentDecisionRequest request, ResourceReference requestor, string? reason,
        string? clientAddress, CancellationToken cancellationToken = default)
    {
        var decision = await grains.GetGrain<IPatientConsentGrain>(patient).DecideAsync(request);
        await audit.RecordAsync(ConsentAuditEvents.Decision(consents.Context(clientAddress), patient, requestor, request, decision, reason), cancellationToken);
        return decision;
    }

    public static string Code(ConsentOutcome outcome) => outcome switch
    {
        ConsentOutcome.Permit => "CONSENT_PERMIT",
        ConsentOutcome.Deny => "CONSENT_DENY",
        _ => "NO_CONSENT",
    };
}
