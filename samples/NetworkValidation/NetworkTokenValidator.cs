using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace NetworkValidation;

/// <summary>
/// What an aligned network does with an access token it receives: validate it offline against the issuer's published
/// keys (discovery → JWKS, issuer, audience = the network's resource, <c>typ</c> <c>at+jwt</c>, lifetime, <c>acr</c>)
/// and, for anything sensitive, ask the issuer online (RFC 7662 introspection with <c>client_secret_basic</c>).
/// </summary>
public sealed class NetworkTokenValidator
{
    /// <summary>The <c>acr</c> values that mean the patient's identity was verified at IAL2 (PROFILES.md, "Tokens").</summary>
    public static readonly IReadOnlySet<string> Ial2Values = new HashSet<string>(StringComparer.Ordinal)
    {
        "http://udap.org/code/id/ial2",
        "http://idmanagement.gov/ns/assurance/ial/2",
    };

    private readonly HttpClient _http;
    private readonly NetworkCredentials _network;
    private readonly ConfigurationManager<OpenIdConnectConfiguration> _configuration;

    /// <param name="http">Used for discovery, JWKS and introspection.</param>
    /// <param name="issuer">The token service, e.g. <c>https://id.example.org/</c>; plain <c>http</c> only on loopback.</param>
    /// <param name="network">The network's client id, secret and registered resource (the <c>aud</c> it accepts).</param>
    public NetworkTokenValidator(HttpClient http, Uri issuer, NetworkCredentials network)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        ArgumentNullException.ThrowIfNull(network);
        var loopback = issuer.IsLoopback;
        if (issuer.Scheme != Uri.UriSchemeHttps && !(issuer.Scheme == Uri.UriSchemeHttp && loopback))
        {
            throw new ArgumentException($"The issuer must use https (plain http is accepted on loopback only): {issuer}", nameof(issuer));
        }
        _http = http;
        _network = network;
        // Caches discovery and the JWKS (24 h by default) and refetches at most every 5 minutes on request.
        _configuration = new ConfigurationManager<OpenIdConnectConfiguration>(
            new Uri(issuer, ".well-known/openid-configuration").AbsoluteUri,
            new OpenIdConnectConfigurationRetriever(),
            new HttpDocumentRetriever(http) { RequireHttps = !loopback });
    }

    /// <summary>Checks the token's signature, issuer, audience, type, algorithm and lifetime without calling the issuer.</summary>
    public async Task<OfflineValidation> ValidateOfflineAsync(string token, CancellationToken cancellationToken = default)
    {
        var result = await ValidateWithKeysAsync(token, cancellationToken);
        if (result.Exception is SecurityTokenSignatureKeyNotFoundException)
        {
            // An unknown kid: the issuer may have rotated its key since the JWKS was cached.
            _configuration.RequestRefresh();
            result = await ValidateWithKeysAsync(token, cancellationToken);
        }
        if (!result.IsValid)
        {
            return OfflineValidation.Invalid(result.Exception?.GetType().Name ?? "invalid_token", result.Exception?.Message ?? "The token is not valid.");
        }
        var jwt = (JsonWebToken)result.SecurityToken;
        var acr = jwt.TryGetClaim("acr", out var acrClaim) ? acrClaim.Value : null;
        return new OfflineValidation
        {
            IsValid = true,
            Subject = jwt.Subject,
            ClientId = jwt.TryGetClaim("client_id", out var clientId) ? clientId.Value : null,
            Scopes = jwt.TryGetClaim("scope", out var scope) ? scope.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries) : [],
            Acr = acr,
            IsIal2 = acr is not null && Ial2Values.Contains(acr),
            Amr = [.. jwt.Claims.Where(c => c.Type == "amr").Select(c => c.Value)],
            PersonIdentifier = jwt.TryGetClaim("hl7_person_identifier", out var person) ? person.Value : null,
            Type = jwt.Typ,
            KeyId = jwt.Kid,
            IssuedAt = jwt.IssuedAt,
            ExpiresAt = jwt.ValidTo,
        };
    }

    private async Task<TokenValidationResult> ValidateWithKeysAsync(string token, CancellationToken cancellationToken)
    {
        var discovery = await _configuration.GetConfigurationAsync(cancellationToken);
        return await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = discovery.Issuer,
            ValidAudience = _network.Resource,
            IssuerSigningKeys = discovery.SigningKeys,
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            // RFC 9068: an ID token (typ JWT) must never be accepted as an access token.
            ValidTypes = ["at+jwt"],
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ClockSkew = TimeSpan.FromSeconds(30),
        });
    }

    /// <summary>Asks the issuer whether the token is still active (not revoked, not expired) with RFC 7662.</summary>
    public async Task<Introspection> IntrospectAsync(string token, CancellationToken cancellationToken = default)
    {
        var discovery = await _configuration.GetConfigurationAsync(cancellationToken);
        var endpoint = discovery.IntrospectionEndpoint
            ?? throw new InvalidOperationException("The issuer's discovery document has no introspection_endpoint.");
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token, ["token_type_hint"] = "access_token" }),
        };
        request.Headers.Authorization = BasicAuthorization(_network.ClientId, _network.ClientSecret);
        using var response = await _http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        return Introspection.From(body);
    }

    /// <summary>A token for the network itself (client credentials), e.g. to try the validation against a running issuer.</summary>
    public async Task<string> RequestClientCredentialsTokenAsync(string scope, CancellationToken cancellationToken = default)
    {
        var discovery = await _configuration.GetConfigurationAsync(cancellationToken);
        using var request = new HttpRequestMessage(HttpMethod.Post, discovery.TokenEndpoint)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = scope }),
        };
        request.Headers.Authorization = BasicAuthorization(_network.ClientId, _network.ClientSecret);
        using var response = await _http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        return response.IsSuccessStatusCode
            ? body.GetProperty("access_token").GetString()!
            : throw new InvalidOperationException($"The token endpoint answered {(int)response.StatusCode}: {body}");
    }

    /// <summary>RFC 6749 §2.3.1: id and secret are form-urlencoded before they are joined and base64-encoded.</summary>
    private static AuthenticationHeaderValue BasicAuthorization(string clientId, string clientSecret) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(clientId)}:{Uri.EscapeDataString(clientSecret)}")));
}
