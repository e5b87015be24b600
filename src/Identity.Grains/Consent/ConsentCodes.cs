namespace Identity.Grains.Consent;

/// <summary>The code systems and identifier systems the service's Consents use (PROFILES.md, "Consent").</summary>
public static class ConsentCodes
{
    public const string ActReason = "http://terminology.hl7.org/CodeSystem/v3-ActReason";
    public const string ActCode = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
    public const string ConsentScope = "http://terminology.hl7.org/CodeSystem/consentscope";
    public const string ConsentAction = "http://terminology.hl7.org/CodeSystem/consentaction";
    public const string ParticipationType = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";
    public const string Loinc = "http://loinc.org";
    public const string ResourceTypes = "http://hl7.org/fhir/resource-types";

    public const string PatientPrivacy = "patient-privacy";
    public const string PatientConsentLoinc = "59284-0";
    public const string InformationRecipient = "IRCP";
    public const string Access = "access";
    public const string OptIn = "OPTIN";

    /// <summary>Purposes of use (v3-ActReason) the service names.</summary>
    public const string PatientRequested = "PATRQT";
    public const string BreakTheGlass = "BTG";

    /// <summary>An OAuth client, as an actor identifier (the same system the audit trail uses for clients).</summary>
    public const string ClientSystem = "urn:identityconsent:client";

    /// <summary>A network (OAuth resource), identified by its resource indicator.</summary>
    public const string NetworkSystem = "urn:identityconsent:network";

    /// <summary>The OpenIddict authorization an OAuth grant Consent stands for (Consent.identifier).</summary>
    public const string AuthorizationSystem = "urn:identityconsent:oauth-authorization";

    /// <summary>An OAuth scope as a data class (provision.class) of a grant Consent.</summary>
    public const string ScopeSystem = "urn:identityconsent:oauth-scope";

    /// <summary>Security labels whose disclosure carries a no-redisclosure obligation (42 CFR Part 2 and the like).</summary>
    public static readonly IReadOnlySet<string> RedisclosureRestricted = new HashSet<string>(StringComparer.Ordinal)
    {
        "ETH", "42CFRPart2", "SUD", "PSY", "HIV", "SDV", "R", "V",
    };

    /// <summary>How an actor is written in requests and matched: its reference, else <c>system|value</c> of its identifier.</summary>
    public static string Actor(string? reference, string? identifierSystem, string? identifierValue) =>
        !string.IsNullOrEmpty(reference) ? reference
        : !string.IsNullOrEmpty(identifierValue) ? $"{identifierSystem}|{identifierValue}"
        : "";

    public static string ClientActor(string clientId) => $"{ClientSystem}|{clientId}";

    public static string NetworkActor(string resource) => $"{NetworkSystem}|{resource}";
}
