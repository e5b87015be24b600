using System.Text;
using Hl7.Fhir.Model;
using static Hl7.Fhir.Model.AuditEvent;

namespace Identity.Grains.Audit;

/// <summary>
/// The token service's AuditEvents, in the shape of BALP's IHE IUA patterns (<c>token-issued.json</c>): type DICOM
/// User Authentication, subtype ITI-71 Get Access Token (ITI-102 for introspection) plus this service's own code for the
/// operation; agents the client application (with its network address), this service (AuthzOauthService) and the
/// requestor (IRCP: the patient, or the client acting for itself); entities the patient, the tokens (types, audiences,
/// scopes, authorization id; never a token value) and the request (Query, without secrets).
/// </summary>
public static class TokenAuditEvents
{
    /// <summary>A token request (any grant) or authorization request, granted or refused.</summary>
    public static AuditEvent TokenRequest(AuditContext context, TokenOperation operation, TokenAuditFacts facts, string? failureCode = null) =>
        Build(context, BalpCodes.GetAccessToken, operation, AuditEventAction.E, facts, failureCode);

    /// <summary>A network introspected a token (RFC 7662): outcome 0 when it was active, 4 (<c>token_inactive</c>) when not.</summary>
    public static AuditEvent Introspected(AuditContext context, TokenAuditFacts facts, bool active) =>
        Build(context, BalpCodes.IntrospectToken, TokenOperation.Introspected, AuditEventAction.E, facts, active ? null : "token_inactive");

    /// <summary>A client revoked a token (RFC 7009), recorded before it is revoked.</summary>
    public static AuditEvent Revoked(AuditContext context, TokenAuditFacts facts) =>
        Build(context, null, TokenOperation.Revoked, AuditEventAction.D, facts, null);

    /// <summary>
    /// An administrator created, updated or deleted (action C, U, D) a client or a network through the admin API: DICOM
    /// Security Alert / Security Configuration, the admin client as requestor, the changed object as Security Resource
    /// (<paramref name="objectSystem"/> <see cref="BalpCodes.ClientIdentifierSystem"/> or <see cref="BalpCodes.NetworkIdentifierSystem"/>).
    /// </summary>
    public static AuditEvent ConfigurationChanged(AuditContext context, string? adminClientId, AuditEventAction action, string objectSystem, string objectId, string query)
    {
        var requestor = new AgentComponent
        {
            Type = BalpCodes.InformationRecipient,
            Who = new ResourceReference { Identifier = new Identifier(BalpCodes.ClientIdentifierSystem, adminClientId ?? "unknown") },
            Requestor = true,
            PurposeOfUse = [BalpCodes.SystemAdministration],
        };
        if (!string.IsNullOrEmpty(context.ClientAddress))
        {
            requestor.Network = new NetworkComponent { Address = context.ClientAddress, Type = AuditEventAgentNetworkType.N2 };
        }
        return new AuditEvent
        {
            Id = Guid.NewGuid().ToString("D"),
            Type = BalpCodes.SecurityAlert,
            Subtype = [BalpCodes.SecurityConfiguration],
            Action = action,
            Recorded = context.Recorded,
            Outcome = AuditEventOutcome.N0,
            Agent =
            [
                requestor,
                new AgentComponent { Type = BalpCodes.AuthorizationServer, Who = new ResourceReference { Display = context.Site }, Requestor = false },
            ],
            Source = context.Source(),
            Entity =
            [
                new EntityComponent
                {
                    What = new ResourceReference { Identifier = new Identifier(objectSystem, objectId) },
                    Type = BalpCodes.SystemObject,
                    Role = BalpCodes.SecurityResource,
                },
                new EntityComponent { Type = BalpCodes.SystemObject, Role = BalpCodes.QueryRole, Query = Encoding.UTF8.GetBytes(query) },
            ],
        };
    }

    /// <summary>The code of each operation in <see cref="BalpCodes.ServiceEvent"/>.</summary>
    public static string Code(TokenOperation operation) => operation switch
    {
        TokenOperation.Issued => "token-issued",
        TokenOperation.Refreshed => "token-refreshed",
        TokenOperation.Exchanged => "token-exchanged",
        TokenOperation.Revoked => "token-revoked",
        TokenOperation.Introspected => "token-introspected",
        _ => "authorization-refused",
    };

    private static AuditEvent Build(AuditContext context, Coding? iheTransaction, TokenOperation operation, AuditEventAction action,
        TokenAuditFacts facts, string? failureCode)
    {
        var client = new ResourceReference { Identifier = new Identifier(BalpCodes.ClientIdentifierSystem, facts.ClientId ?? "unknown") };
        var application = new AgentComponent { Type = BalpCodes.Application, Who = client, Requestor = false };
        if (!string.IsNullOrEmpty(context.ClientAddress))
        {
            application.Network = new NetworkComponent { Address = context.ClientAddress, Type = AuditEventAgentNetworkType.N2 };
        }
        var requestor = new AgentComponent
        {
            Type = BalpCodes.InformationRecipient,
            Who = facts.Patient is { } id ? new ResourceReference($"Patient/{id:D}") : (ResourceReference)client.DeepCopy(),
            Requestor = true,
        };
        if (facts.Purpose is { } purpose)
        {
            requestor.PurposeOfUse = [purpose];
        }
        var subtypes = new List<Coding>();
        if (iheTransaction is not null)
        {
            subtypes.Add(iheTransaction);
        }
        subtypes.Add(new Coding(BalpCodes.ServiceEvent, Code(operation)));
        var auditEvent = new AuditEvent
        {
            Id = Guid.NewGuid().ToString("D"),
            Type = BalpCodes.UserAuthentication,
            Subtype = subtypes,
            Action = action,
            Recorded = context.Recorded,
            Outcome = failureCode is null ? AuditEventOutcome.N0
                : failureCode is "server_error" or "temporarily_unavailable" ? AuditEventOutcome.N8
                : AuditEventOutcome.N4,
            OutcomeDesc = failureCode,
            Agent =
            [
                application,
                new AgentComponent
                {
                    Type = BalpCodes.AuthorizationServer,
                    Who = new ResourceReference { Display = context.Site },
                    Requestor = false,
                },
                requestor,
            ],
            Source = context.Source(),
        };
        if (facts.Patient is { } patient)
        {
            auditEvent.Entity.Add(new EntityComponent
            {
                What = new ResourceReference($"Patient/{patient:D}"),
                Type = BalpCodes.Person,
                Role = BalpCodes.PatientRole,
            });
        }
        var token = new EntityComponent { Type = BalpCodes.SystemObject, Role = BalpCodes.SecurityResource, What = new ResourceReference { Display = "OAuth token" } };
        foreach (var type in facts.TokenTypes)
        {
            token.Detail.Add(new DetailComponent { Type = "token_type", Value = new FhirString(type) });
        }
        foreach (var audience in facts.Audiences)
        {
            token.Detail.Add(new DetailComponent { Type = "aud", Value = new FhirString(audience) });
        }
        if (facts.Scopes.Count > 0)
        {
            token.Detail.Add(new DetailComponent { Type = "scope", Value = new FhirString(string.Join(' ', facts.Scopes)) });
        }
        if (facts.AuthorizationId is { } authorization)
        {
            token.Detail.Add(new DetailComponent { Type = "authorization_id", Value = new FhirString(authorization) });
        }
        if (token.Detail.Count > 0)
        {
            auditEvent.Entity.Add(token);
        }
        auditEvent.Entity.Add(new EntityComponent
        {
            Type = BalpCodes.SystemObject,
            Role = BalpCodes.QueryRole,
            Query = Encoding.UTF8.GetBytes(facts.Query),
        });
        return auditEvent;
    }
}
