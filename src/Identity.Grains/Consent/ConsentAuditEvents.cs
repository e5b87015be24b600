using Hl7.Fhir.Model;
using Identity.Grains.Audit;
using static Hl7.Fhir.Model.AuditEvent;

namespace Identity.Grains.Consent;

/// <summary>
/// The AuditEvents of the consent service, in the shape of IHE BALP (shared/vectors/fhir/auditevent/consent-decision-*):
/// decisions are <c>IHE.BasicAudit.AuthZconsent</c> (DICOM 110113 Security Alert, subtype AuthZ-Consent, action E,
/// outcome 8 for a deny); consent changes are DICOM 110110 Patient Record events with action C/U (a withdrawal is U).
/// The requestor carries its purpose of use; a break-the-glass reason goes into that purpose's text. The patient
/// entity selects the patient's chain; the consent(s) involved are entities of type Consent.
/// </summary>
public static class ConsentAuditEvents
{
    private const string AuthZSubType = "https://profiles.ihe.net/ITI/BALP/CodeSystem/AuthZsubType";
    private const string ExtraSecurityRole = "http://terminology.hl7.org/CodeSystem/extra-security-role-type";

    public static AuditEvent Decision(AuditContext context, Guid patient, ResourceReference requestor, ConsentDecisionRequest request,
        ConsentDecision decision, string? reason)
    {
        var purpose = new CodeableConcept(ConsentCodes.ActReason, request.PurposeOfUse) { Text = reason };
        var auditEvent = Build(context, BalpCodes.SecurityAlert, new Coding(AuthZSubType, "AuthZ-Consent"), AuditEventAction.E, patient, requestor, purpose);
        auditEvent.Outcome = decision.Outcome == ConsentOutcome.Deny ? AuditEventOutcome.N8 : AuditEventOutcome.N0;
        auditEvent.OutcomeDesc = decision.Outcome switch
        {
            ConsentOutcome.Permit => "CONSENT_PERMIT",
            ConsentOutcome.Deny => "CONSENT_DENY",
            _ => "NO_CONSENT",
        } + $" for {string.Join(" ", request.Actors)}";
        foreach (var consent in decision.DecidedBy.Select(p => (p.ConsentId, p.VersionId)).Distinct())
        {
            auditEvent.Entity.Add(ConsentEntity(consent.ConsentId, consent.VersionId));
        }
        return auditEvent;
    }

    /// <summary>A consent was created (C) or changed or withdrawn (U), or the attempt failed (<paramref name="failureCode"/>).</summary>
    public static AuditEvent Changed(AuditContext context, Guid patient, ResourceReference requestor, AuditEventAction action,
        string consentId, int? versionId, string? failureCode = null)
    {
        var auditEvent = Build(context, BalpCodes.PatientRecord, null, action, patient, requestor,
            new CodeableConcept(ConsentCodes.ActReason, ConsentCodes.PatientRequested));
        auditEvent.Entity.Add(ConsentEntity(consentId, versionId));
        if (failureCode is not null)
        {
            auditEvent.Outcome = AuditEventOutcome.N4;
            auditEvent.OutcomeDesc = failureCode;
        }
        return auditEvent;
    }

    private static EntityComponent ConsentEntity(string consentId, int? versionId) => new()
    {
        What = new ResourceReference(versionId is { } v ? $"Consent/{consentId}/_history/{v}" : $"Consent/{consentId}"),
        Type = new Coding(ConsentCodes.ResourceTypes, "Consent", "Consent"),
    };

    private static AuditEvent Build(AuditContext context, Coding type, Coding? subtype, AuditEventAction action, Guid patient,
        ResourceReference requestor, CodeableConcept purpose)
    {
        var agent = new AgentComponent
        {
            Type = BalpCodes.InformationRecipient,
            Who = requestor,
            Requestor = true,
            PurposeOfUse = [purpose],
        };
        if (!string.IsNullOrEmpty(context.ClientAddress))
        {
            agent.Network = new NetworkComponent { Address = context.ClientAddress, Type = AuditEventAgentNetworkType.N2 };
        }
        return new AuditEvent
        {
            Id = Guid.NewGuid().ToString("D"),
            Type = type,
            Subtype = subtype is null ? [] : [subtype],
            Action = action,
            Recorded = context.Recorded,
            Outcome = AuditEventOutcome.N0,
            Agent =
            [
                agent,
                new AgentComponent
                {
                    Type = new CodeableConcept(ExtraSecurityRole, "authserver", "authorization server"),
                    Who = new ResourceReference { Display = context.Site },
                    Requestor = false,
                },
            ],
            Source = new SourceComponent
            {
                Site = context.Site,
                Observer = new ResourceReference { Display = context.Site },
                Type = [BalpCodes.SecurityServer],
            },
            Entity =
            [
                new EntityComponent
                {
                    What = new ResourceReference($"Patient/{patient:D}"),
                    Type = BalpCodes.Person,
                    Role = BalpCodes.PatientRole,
                },
            ],
        };
    }
}
