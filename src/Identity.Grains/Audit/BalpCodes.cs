using Hl7.Fhir.Model;

namespace Identity.Grains.Audit;

/// <summary>
/// The codings the service's AuditEvents use, after IHE Basic Audit Log Patterns (BALP) and the DICOM audit
/// vocabulary it builds on. Each returns a fresh object: FHIR POCOs are mutable.
/// </summary>
public static class BalpCodes
{
    public const string Dicom = "http://dicom.nema.org/resources/ontology/DCM";
    public const string ParticipationType = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";
    public const string UserAgentTypes = "https://profiles.ihe.net/ITI/BALP/CodeSystem/UserAgentTypes";
    public const string SecuritySourceType = "http://terminology.hl7.org/CodeSystem/security-source-type";
    public const string EntityType = "http://terminology.hl7.org/CodeSystem/audit-entity-type";
    public const string ObjectRole = "http://terminology.hl7.org/CodeSystem/object-role";
    public const string ActReason = "http://terminology.hl7.org/CodeSystem/v3-ActReason";
    public const string PasskeyIdentifierSystem = "urn:identityconsent:passkey";
    public const string IheEventType = "urn:ihe:event-type-code";
    public const string ClientIdentifierSystem = "urn:identityconsent:client";
    public const string NetworkIdentifierSystem = "urn:identityconsent:network";
    public const string ServiceEvent = "urn:identityconsent:audit-event";

    // Event types (DICOM CID 400) and subtypes (CID 402 security alerts, CID 403 user authentication).
    public static Coding PatientRecord => new(Dicom, "110110", "Patient Record");
    public static Coding SecurityAlert => new(Dicom, "110113", "Security Alert");
    public static Coding UserAuthentication => new(Dicom, "110114", "User Authentication");
    public static Coding AuditLogUsed => new(Dicom, "110101", "Audit Log Used");
    public static Coding Login => new(Dicom, "110122", "Login");
    public static Coding UserSecurityAttributesChanged => new(Dicom, "110137", "User Security Attributes Changed");
    public static Coding SecurityConfiguration => new(Dicom, "110129", "Security Configuration");

    // IHE IUA transactions (BALP IHE.IUA patterns).
    public static Coding GetAccessToken => new(IheEventType, "ITI-71", "Get Access Token");
    public static Coding IntrospectToken => new(IheEventType, "ITI-102", "Introspect Token");

    // Agent types: the person asking (information recipient) and this service (the OAuth authorization server).
    public static CodeableConcept InformationRecipient => new(ParticipationType, "IRCP", "information recipient");
    public static CodeableConcept AuthorizationServer => new(UserAgentTypes, "AuthzOauthService", "OAuth Authorization Server");
    public static CodeableConcept Application => new(Dicom, "110150", "Application");

    public static Coding SecurityServer => new(SecuritySourceType, "6", "Security Server");

    public static Coding Person => new(EntityType, "1", "Person");
    public static Coding SystemObject => new(EntityType, "2", "System Object");
    public static Coding PatientRole => new(ObjectRole, "1", "Patient");
    public static Coding SecurityResource => new(ObjectRole, "13", "Security Resource");
    public static Coding QueryRole => new(ObjectRole, "24", "Query");

    /// <summary>The patient acting on their own account.</summary>
    public static CodeableConcept PatientRequested => new(ActReason, "PATRQT", "patient requested");

    /// <summary>Administration of this service (clients, networks).</summary>
    public static CodeableConcept SystemAdministration => new(ActReason, "HSYSADMIN", "health system administration");

    /// <summary>Compliance review of the audit trail.</summary>
    public static CodeableConcept Compliance => new(ActReason, "HCOMPL", "health compliance");
}
