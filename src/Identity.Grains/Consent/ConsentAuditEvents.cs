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

    /// <summary>The FHIR RESTful interactions on Consent that are audited as BALP PatientRead / PatientQuery.</summary>
    public enum FhirInteraction { Read, VRead, Search, History, HistoryType }

    /// <summary>
    /// A FHIR read or search of a patient's consents (IHE BALP <c>PatientRead</c>: type rest, subtype read/vread,
    /// action R; <c>PatientQuery</c>: type rest, subtype search/history-instance/history-type, action E, with the request line in
    /// <c>entity.query</c>, which FHIR JSON carries as base64). Only references and search parameters are recorded,
    /// never the content returned. <paramref name="patient"/> is null only for a search that returned nobody's data
    /// (system chain). <paramref name="consentReference"/> is the consent read, e.g. <c>Consent/{id}/_history/{v}</c>.
    /// </summary>
    public static AuditEvent Accessed(AuditContext context, Guid? patient, ResourceReference requestor, CodeableConcept purpose,
        FhirInteraction interaction, string? consentReference, string? query)
    {
        var (code, profile) = interaction switch
        {
            FhirInteraction.Read => ("read", "PatientRead"),
            FhirInteraction.VRead => ("vread", "PatientRead"),
            FhirInteraction.Search => ("search", "PatientQuery"),
            FhirInteraction.HistoryType => ("history-type", "PatientQuery"),
            _ => ("history-instance", "PatientQuery"),
        };
        var isRead = interaction is FhirInteraction.Read or FhirInteraction.VRead;
        var auditEvent = Build(context, new Coding(AuditEventTypes, "rest", "Restful Operation"), new Coding(RestfulInteraction, code, code),
            isRead ? AuditEventAction.R : AuditEventAction.E, patient, requestor, purpose);
        auditEvent.Meta = new Meta { Profile = [$"https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.{profile}"] };
        if (consentReference is not null)
        {
            auditEvent.Entity.Add(new EntityComponent
            {
                What = new ResourceReference(consentReference),
                Type = BalpCodes.SystemObject,
                Role = new Coding(BalpCodes.ObjectRole, "4", "Domain Resource"),
            });
        }
        if (query is not null)
        {
            auditEvent.Entity.Add(new EntityComponent
            {
                Type = BalpCodes.SystemObject,
                Role = BalpCodes.QueryRole,
                Query = System.Text.Encoding.UTF8.GetBytes(query),
            });
        }
        return auditEvent;
    }

    private const string AuditEventTypes = "http://terminology.hl7.org/CodeSystem/audit-event-type";
    private const string RestfulInteraction = "http://hl7.org/fhir/restful-interaction";

    private static EntityComponent ConsentEntity(string consentId, int? versionId) => new()
    {
        What = new ResourceReference(versionId is { } v ? $"Consent/{consentId}/_history/{v}" : $"Consent/{consentId}"),
        Type = new Coding(ConsentCodes.ResourceTypes, "Consent", "Consent"),
    };

    private static AuditEvent Build(AuditContext context, Coding type, Coding? subtype, AuditEventAction action, Guid? patient,
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
            Source = context.Source(),
            Entity = patient is { } id
                ?
                [
                    new EntityComponent
                    {
                        What = new ResourceReference($"Patient/{id:D}"),
                        Type = BalpCodes.Person,
                        Role = BalpCodes.PatientRole,
                    },
                ]
                : [],
        };
    }
}
