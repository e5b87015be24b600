namespace Identity.Api.Tokens;

/// <summary>The <c>Tokens</c> configuration section (README, "Tokens (OpenID Connect)").</summary>
public sealed class TokenSettings
{
    public const string Section = "Tokens";

    /// <summary>The issuer (<c>iss</c>); when unset the request's own origin is used.</summary>
    public Uri? Issuer { get; set; }

    /// <summary>
    /// ES256 (P-256) private keys as PEM or JWK JSON. The first signs; the others are still published in the JWKS so
    /// tokens they signed stay verifiable until they expire (rotation with overlap). Required outside Development.
    /// </summary>
    public List<string> SigningKeys { get; set; } = [];

    /// <summary>AES-256 key (32 bytes, base64) for server-only tokens: codes, refresh and request tokens. Required outside Development.</summary>
    public string? EncryptionKey { get; set; }

    /// <summary>Secret (≥32 bytes, base64) keying the pairwise subject identifiers. Required outside Development.</summary>
    public string? PairwiseSecret { get; set; }

    /// <summary>Access token lifetime; capped at 60 minutes (PROFILES.md).</summary>
    public int AccessTokenMinutes { get; set; } = 30;

    public int RefreshTokenDays { get; set; } = 7;

    /// <summary>The FHIR server the SMART scopes and <c>fhirUser</c> refer to; defaults to <c>{issuer}fhir</c>.</summary>
    public Uri? FhirBaseUrl { get; set; }

    /// <summary>The audience of access tokens for this service's own admin API.</summary>
    public string AdminAudience { get; set; } = "urn:identityconsent:admin";

    /// <summary>Embedded mode: <c>FULL</c> (default) or <c>NORMAL</c>, see <see cref="SqliteSynchronousMode"/>.</summary>
    public string SqliteSynchronous { get; set; } = "FULL";

    /// <summary>
    /// How long, in milliseconds, an instance may answer "still valid" for an access token or authorization it has just
    /// read from the store without reading it again (<see cref="TokenStateCache"/>); 0 turns the cache off. Revocations
    /// clear it at once on the instance that made them and, through Redis, on the others; this bounds the rest.
    /// </summary>
    public int ValidityCacheMilliseconds { get; set; } = 1_000;

    public List<ClientRegistration> Clients { get; set; } = [];

    public List<NetworkRegistration> Networks { get; set; } = [];

    public static readonly TimeSpan MaximumAccessTokenLifetime = TimeSpan.FromMinutes(60);

    public TimeSpan AccessTokenLifetime => TimeSpan.FromMinutes(Math.Clamp(AccessTokenMinutes, 1, MaximumAccessTokenLifetime.TotalMinutes));
}
