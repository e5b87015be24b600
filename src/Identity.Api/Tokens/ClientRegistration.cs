using System.ComponentModel.DataAnnotations;

namespace Identity.Api.Tokens;

/// <summary>An OAuth client as configured (<c>Tokens:Clients</c>) or sent to <c>/admin/clients</c>.</summary>
public sealed record ClientRegistration
{
    [Required, StringLength(100, MinimumLength = 3)]
    public string ClientId { get; init; } = "";

    public string? DisplayName { get; init; }

    /// <summary><c>public</c> (PKCE, no secret) or <c>confidential</c> (secret or private_key_jwt, PAR required).</summary>
    public string Type { get; init; } = ClientTypes.Confidential;

    /// <summary>For <c>client_secret_basic</c>; generate it (≥32 random bytes), never choose it.</summary>
    public string? ClientSecret { get; init; }

    /// <summary>A JWK Set (JSON) holding the client's ES256/RS256 public keys for <c>private_key_jwt</c>.</summary>
    public string? Jwks { get; init; }

    /// <summary>Exact redirect URIs; <c>http://127.0.0.1/callback</c> also accepts any port (RFC 8252 §7.3).</summary>
    public List<string> RedirectUris { get; init; } = [];

    public List<string> PostLogoutRedirectUris { get; init; } = [];

    /// <summary><c>authorization_code</c>, <c>refresh_token</c>, <c>client_credentials</c>, <c>urn:ietf:params:oauth:grant-type:token-exchange</c>.</summary>
    public List<string> GrantTypes { get; init; } = [];

    /// <summary>Scopes the client may ask for; SMART scopes cover narrower ones (<c>patient/*.rs</c> allows <c>patient/Observation.r</c>).</summary>
    public List<string> Scopes { get; init; } = [];

    /// <summary>Networks (resource indicators) the client may ask tokens for.</summary>
    public List<string> Resources { get; init; } = [];

    /// <summary>The pairwise sector (OIDC Core §8.1); defaults to the host of the first redirect URI, else the client id.</summary>
    public string? SectorIdentifier { get; init; }

    /// <summary>Give this client the public <c>sub</c> (the same for every client) instead of a pairwise one.</summary>
    public bool PublicSubject { get; init; }

    /// <summary>Introspection endpoint access (networks).</summary>
    public bool Introspection { get; init; }
}
