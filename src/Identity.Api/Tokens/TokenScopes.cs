using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Identity.Api.Tokens;

/// <summary>The scopes this service knows besides SMART resource scopes and the network scopes.</summary>
public static class TokenScopes
{
    public const string FhirUser = "fhirUser";
    public const string LaunchPatient = "launch/patient";
    public const string PersonIdentifier = "hl7_person_identifier";
    public const string Admin = "admin";

    /// <summary>Compliance: search, read, verify and export the audit trail (client credentials).</summary>
    public const string AuditRead = "audit.read";

    /// <summary>Networks asking the consent decision service (<c>/consent/decide</c>, CDS Hooks), client credentials.</summary>
    public const string ConsentDecide = "consent.decide";

    public static readonly string[] Static = [Scopes.OpenId, Scopes.Profile, Scopes.OfflineAccess, FhirUser, LaunchPatient, PersonIdentifier, Admin, AuditRead, ConsentDecide];

    /// <summary>What the consent screen says each scope shares.</summary>
    public static string Describe(string scope, NetworkRegistration? network = null) => scope switch
    {
        Scopes.OpenId => "Confirm that it is you (a pseudonymous identifier for this app)",
        Scopes.Profile => "Your verified name and date of birth, if you verified your identity",
        Scopes.OfflineAccess => "Keep access while you are away (until you revoke it)",
        FhirUser => "Link you to your FHIR Patient record",
        LaunchPatient => "Open your patient record when the app starts",
        PersonIdentifier => "Your HL7 person identifier, which networks use to match your records",
        Admin => "Administer this service",
        ConsentDecide => "Ask for patients' consent decisions (networks)",
        AuditRead => "Read this service's audit trail (compliance)",
        _ when network is not null => $"Access your records on {network.Name}",
        _ when SmartScope.Parse(scope) is { } smart => DescribeSmart(smart),
        _ => scope,
    };

    /// <summary>True when <paramref name="requested"/> is one of <paramref name="allowed"/> or narrower than a SMART scope in it.</summary>
    public static bool IsAllowed(string requested, IReadOnlyCollection<string> allowed)
    {
        if (allowed.Contains(requested, StringComparer.Ordinal))
        {
            return true;
        }
        return SmartScope.Parse(requested) is { } smart
            && allowed.Select(SmartScope.Parse).Any(broader => broader is not null && smart.IsWithin(broader));
    }

    private static string DescribeSmart(SmartScope smart)
    {
        var what = smart.ResourceType == "*" ? "all your health records" : $"your {smart.ResourceType} records";
        var verbs = new List<string>();
        if (smart.Permissions.Contains('r') || smart.Permissions.Contains('s'))
        {
            verbs.Add("read");
        }
        if (smart.Permissions.Contains('c') || smart.Permissions.Contains('u'))
        {
            verbs.Add("add to or change");
        }
        if (smart.Permissions.Contains('d'))
        {
            verbs.Add("delete");
        }
        return $"{string.Join(", ", verbs)} {what}".Trim();
    }
}
