using Identity.Tests.Infrastructure;

namespace Identity.Tests.Consent;

/// <summary>The service with the Development clients; the demo network may also ask for consent decisions, and a compliance client may read every consent.</summary>
public sealed class ConsentTestFactory : IdentityApiFactory
{
    public const string Compliance = "consent-compliance";
    public const string ComplianceSecret = "consent-compliance-secret-0123456789abcdefghijklmnop";

    public ConsentTestFactory()
    {
        Settings["Tokens:Clients:1:Scopes:5"] = "consent.decide";
        Settings["Tokens:Clients:7:ClientId"] = Compliance;
        Settings["Tokens:Clients:7:Type"] = "confidential";
        Settings["Tokens:Clients:7:ClientSecret"] = ComplianceSecret;
        Settings["Tokens:Clients:7:GrantTypes:0"] = "client_credentials";
        Settings["Tokens:Clients:7:Scopes:0"] = "system/Consent.rs";
    }
}
