namespace Identity.Api.Tokens;

/// <summary>Claim names this service issues besides OpenIddict's constants.</summary>
public static class TokenClaims
{
    public const string SessionId = "sid";
    public const string Actor = "act";
    public const string VerifiedClaims = "verified_claims";

    /// <summary>The SMART launch context's patient (a FHIR Patient id), returned beside the access token, never inside it.</summary>
    public const string LaunchPatient = "patient";

    /// <summary>Names of the verified claims the client asked for (OIDC4IDA <c>claims</c> request), so userinfo can answer it.</summary>
    public const string VerifiedClaimsRequest = "verified_claims_request";
}
