namespace Identity.Api.Tokens;

/// <summary>What the consent screen shows.</summary>
public sealed record ConsentView(
    string ClientName,
    IReadOnlyList<NetworkRegistration> Networks,
    IReadOnlyList<KeyValuePair<string, string>> Scopes,
    IReadOnlyList<string> IdentityClaims,
    string Assurance,
    string Action);
