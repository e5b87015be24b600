using Hl7.Fhir.Model;
using static Hl7.Fhir.Model.AuditEvent;

namespace Identity.Grains.Audit;

/// <summary>
/// Builds the FHIR R4 AuditEvents the service records, in the shape of IHE BALP (see
/// <c>shared/vectors/fhir/auditevent</c>): a requestor agent (IRCP) with purpose of use and network address,
/// this service as the authorization-server agent, this service as source (Security Server), and the patient
/// as an entity in role Patient, which also selects the patient's chain. Outcome descriptions are stable
/// codes, never names or other personal data.
/// </summary>
public static class BalpAuditEvents
{
    /// <summary>A patient account was created with its first passkey (or the attempt was refused).</summary>
    public static AuditEvent AccountCreated(AuditContext context, Guid? patient, string? failureCode = null) =>
        Build(context, BalpCodes.PatientRecord, null, AuditEventAction.C, failureCode,
            patient, passkey: null);

    /// <summary>A passkey was added to, renamed on or removed from a patient's account (action C, U or D), or the change was refused.</summary>
    public static AuditEvent PasskeyChanged(AuditContext context, Guid patient, AuditEventAction action, byte[]? credentialId, string? failureCode = null) =>
        Build(context, BalpCodes.SecurityAlert, BalpCodes.UserSecurityAttributesChanged, action, failureCode,
            patient, credentialId);

    /// <summary>A passkey sign-in succeeded, or failed (the patient is known only when the passkey was).</summary>
    public static AuditEvent SignIn(AuditContext context, Guid? patient, byte[]? credentialId, string? failureCode = null) =>
        Build(context, BalpCodes.UserAuthentication, BalpCodes.Login, AuditEventAction.E, failureCode,
            patient, credentialId);

    /// <summary>
    /// A change that was audited as succeeding was then not applied (refused or failed): records that it did not happen,
    /// with the same type, subtype and action as <paramref name="audited"/> and a new id.
    /// </summary>
    public static AuditEvent NotApplied(AuditEvent audited, DateTimeOffset recorded, string failureCode)
    {
        var undone = (AuditEvent)audited.DeepCopy();
        undone.Id = Guid.NewGuid().ToString("D");
        undone.Recorded = recorded;
        undone.Outcome = AuditEventOutcome.N8;
        undone.OutcomeDesc = $"not applied after audit {audited.Id}: {failureCode}";
        return undone;
    }

    /// <summary>The audit trail itself was read or exported (DICOM Audit Log Used), by a compliance client or a patient.</summary>
    public static AuditEvent AuditLogUsed(AuditContext context, ResourceReference requestor, CodeableConcept purpose, Guid? patient, string query)
    {
        var auditEvent = Build(context, BalpCodes.AuditLogUsed, null, AuditEventAction.R, null, patient, null);
        auditEvent.Agent[0].Who = requestor;
        auditEvent.Agent[0].PurposeOfUse = [purpose];
        auditEvent.Entity.Add(new EntityComponent
        {
            Type = BalpCodes.SystemObject,
            Role = BalpCodes.QueryRole,
            Query = System.Text.Encoding.UTF8.GetBytes(query),
        });
        return auditEvent;
    }

    private static AuditEvent Build(AuditContext context, Coding type, Coding? subtype, AuditEventAction action, string? failureCode,
        Guid? patient, byte[]? passkey)
    {
        var requestor = new AgentComponent
        {
            Type = BalpCodes.InformationRecipient,
            Who = patient is { } id ? new ResourceReference($"Patient/{id:D}") : new ResourceReference { Display = "unauthenticated user" },
            Requestor = true,
            PurposeOfUse = [BalpCodes.PatientRequested],
        };
        if (!string.IsNullOrEmpty(context.ClientAddress))
        {
            requestor.Network = new NetworkComponent { Address = context.ClientAddress, Type = AuditEventAgentNetworkType.N2 };
        }
        var auditEvent = new AuditEvent
        {
            Id = Guid.NewGuid().ToString("D"),
            Type = type,
            Subtype = subtype is null ? [] : [subtype],
            Action = action,
            Recorded = context.Recorded,
            Outcome = failureCode is null ? AuditEventOutcome.N0 : AuditEventOutcome.N4,
            OutcomeDesc = failureCode,
            Agent =
            [
                requestor,
                new AgentComponent
                {
                    Type = BalpCodes.AuthorizationServer,
                    Who = new ResourceReference { Display = context.Site },
                    Requestor = false,
                },
            ],
            Source = context.Source(),
        };
        if (patient is { } patientId)
        {
            auditEvent.Entity.Add(new EntityComponent
            {
                What = new ResourceReference($"Patient/{patientId:D}"),
                Type = BalpCodes.Person,
                Role = BalpCodes.PatientRole,
            });
        }
        if (passkey is { Length: > 0 })
        {
            auditEvent.Entity.Add(new EntityComponent
            {
                What = new ResourceReference { Identifier = new Identifier(BalpCodes.PasskeyIdentifierSystem, System.Buffers.Text.Base64Url.EncodeToString(passkey)) },
                Type = BalpCodes.SystemObject,
                Role = BalpCodes.SecurityResource,
            });
        }
        return auditEvent;
    }
}
