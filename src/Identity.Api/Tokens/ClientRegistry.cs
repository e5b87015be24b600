using System.Text.Json;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Identity.Api.Tokens;

/// <summary>
/// Turns <see cref="ClientRegistration"/>s and <see cref="NetworkRegistration"/>s into OpenIddict applications and scopes
/// (used by the configuration seed and the admin API), and back.
/// </summary>
public sealed class ClientRegistry(IOpenIddictApplicationManager applications, IOpenIddictScopeManager scopes, NetworkCatalog networks)
{
    public const string SectorProperty = "sector_identifier";
    public const string PublicSubjectProperty = "public_subject";

    public static readonly string[] SupportedGrantTypes =
        [GrantTypes.AuthorizationCode, GrantTypes.RefreshToken, GrantTypes.ClientCredentials, GrantTypes.TokenExchange];

    /// <summary>Why a registration cannot be stored, or null when it can.</summary>
    public static string? Problem(ClientRegistration client)
    {
        if (client.Type is not (ClientTypes.Public or ClientTypes.Confidential))
        {
            return "type must be public or confidential.";
        }
        if (client.GrantTypes.FirstOrDefault(g => !SupportedGrantTypes.Contains(g)) is { } grant)
        {
            return $"grant type '{grant}' is not supported.";
        }
        if (client.Type == ClientTypes.Public && (client.ClientSecret is not null || client.Jwks is not null))
        {
            return "a public client has no secret and no keys.";
        }
        if (client.Type == ClientTypes.Public && client.GrantTypes.Any(g => g is GrantTypes.ClientCredentials or GrantTypes.TokenExchange))
        {
            return "client_credentials and token exchange need a confidential client.";
        }
        if (client.Type == ClientTypes.Confidential && client.ClientSecret is null && client.Jwks is null)
        {
            return "a confidential client needs a client secret or a JWK Set for private_key_jwt.";
        }
        if (client.ClientSecret is { Length: < 32 })
        {
            return "client secrets must be generated: at least 32 characters (43 or more base64url characters for 256 bits).";
        }
        if (client.Jwks is not null && !IsUsableJwks(client.Jwks))
        {
            return "jwks must be a JWK Set of public ES256 (P-256) or RS256 (≥2048-bit) keys.";
        }
        if (client.RedirectUris.Concat(client.PostLogoutRedirectUris).FirstOrDefault(u => !IsAcceptableRedirect(u)) is { } uri)
        {
            return $"redirect URI '{uri}' must be absolute https, or http on a loopback address, without fragment.";
        }
        if (client.GrantTypes.Contains(GrantTypes.AuthorizationCode) && client.RedirectUris.Count == 0)
        {
            return "the authorization code grant needs at least one redirect URI.";
        }
        return null;
    }

    public async Task<bool> UpsertAsync(ClientRegistration client, CancellationToken cancellationToken = default)
    {
        var descriptor = Descriptor(client);
        var existing = await applications.FindByClientIdAsync(client.ClientId, cancellationToken);
        if (existing is null)
        {
            await applications.CreateAsync(descriptor, cancellationToken);
            return true;
        }
        if (client.ClientSecret is null && client.Type == ClientTypes.Confidential)
        {
            // An update without a secret keeps the stored digest (it cannot be turned back into the secret).
            var current = new OpenIddictApplicationDescriptor();
            await applications.PopulateAsync(current, existing, cancellationToken);
            descriptor.ClientSecret = current.ClientSecret;
        }
        await applications.UpdateAsync(existing, descriptor, cancellationToken);
        return false;
    }

    public async Task<ClientRegistration?> FindAsync(string clientId, CancellationToken cancellationToken = default) =>
        await applications.FindByClientIdAsync(clientId, cancellationToken) is { } application
            ? await ToRegistrationAsync(application, cancellationToken)
            : null;

    public async Task<List<ClientRegistration>> ListAsync(CancellationToken cancellationToken = default)
    {
        var list = new List<ClientRegistration>();
        await foreach (var application in applications.ListAsync(count: null, offset: null, cancellationToken))
        {
            list.Add(await ToRegistrationAsync(application, cancellationToken));
        }
        return list;
    }

    public async Task<bool> DeleteAsync(string clientId, CancellationToken cancellationToken = default)
    {
        if (await applications.FindByClientIdAsync(clientId, cancellationToken) is not { } application)
        {
            return false;
        }
        await applications.DeleteAsync(application, cancellationToken);
        return true;
    }

    public async Task<bool> UpsertNetworkAsync(NetworkRegistration network, CancellationToken cancellationToken = default)
    {
        var descriptor = new OpenIddictScopeDescriptor { Name = network.Scope, DisplayName = network.Name, Resources = { network.Resource } };
        var existing = await scopes.FindByNameAsync(network.Scope, cancellationToken);
        if (existing is null)
        {
            await scopes.CreateAsync(descriptor, cancellationToken);
        }
        else
        {
            await scopes.UpdateAsync(existing, descriptor, cancellationToken);
        }
        networks.Invalidate();
        return existing is null;
    }

    public async Task<bool> DeleteNetworkAsync(string scope, CancellationToken cancellationToken = default)
    {
        if (await scopes.FindByNameAsync(scope, cancellationToken) is not { } entry)
        {
            return false;
        }
        await scopes.DeleteAsync(entry, cancellationToken);
        networks.Invalidate();
        return true;
    }

    public static bool IsAcceptableRedirect(string uri) =>
        Uri.TryCreate(uri, UriKind.Absolute, out var parsed)
        && string.IsNullOrEmpty(parsed.Fragment)
        && (parsed.Scheme == Uri.UriSchemeHttps || parsed.Scheme == Uri.UriSchemeHttp && parsed.IsLoopback);

    private static bool IsUsableJwks(string jwks)
    {
        try
        {
            var set = new JsonWebKeySet(jwks);
            return set.Keys.Count > 0 && set.Keys.All(k => string.IsNullOrEmpty(k.D) && (
                k.Kty == JsonWebAlgorithmsKeyTypes.EllipticCurve && k.Crv == JsonWebKeyECTypes.P256
                || k.Kty == JsonWebAlgorithmsKeyTypes.RSA && Base64UrlEncoder.DecodeBytes(k.N).Length >= 256));
        }
        catch (Exception e) when (e is ArgumentException or JsonException or FormatException)
        {
            return false;
        }
    }

    private static OpenIddictApplicationDescriptor Descriptor(ClientRegistration client)
    {
        var confidential = client.Type == ClientTypes.Confidential;
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = client.ClientId,
            DisplayName = client.DisplayName ?? client.ClientId,
            ClientType = confidential ? ClientTypes.Confidential : ClientTypes.Public,
            // "native" lets OpenIddict accept any port on a registered loopback redirect URI (RFC 8252 §7.3).
            ApplicationType = client.RedirectUris.Any(IsLoopback) ? ApplicationTypes.Native : ApplicationTypes.Web,
            ClientSecret = client.ClientSecret,
            JsonWebKeySet = client.Jwks is null ? null : new JsonWebKeySet(client.Jwks),
            ConsentType = ConsentTypes.Explicit,
        };
        descriptor.RedirectUris.UnionWith(client.RedirectUris.Select(u => new Uri(u)));
        descriptor.PostLogoutRedirectUris.UnionWith(client.PostLogoutRedirectUris.Select(u => new Uri(u)));
        descriptor.Properties[SectorProperty] = JsonSerializer.SerializeToElement(client.SectorIdentifier ?? DefaultSector(client));
        descriptor.Properties[PublicSubjectProperty] = JsonSerializer.SerializeToElement(client.PublicSubject);

        var permissions = descriptor.Permissions;
        foreach (var grant in client.GrantTypes)
        {
            permissions.Add(Permissions.Prefixes.GrantType + grant);
        }
        if (client.GrantTypes.Contains(GrantTypes.AuthorizationCode))
        {
            permissions.UnionWith([Permissions.Endpoints.Authorization, Permissions.Endpoints.PushedAuthorization,
                Permissions.Endpoints.EndSession, Permissions.ResponseTypes.Code]);
        }
        if (client.GrantTypes.Count > 0)
        {
            permissions.UnionWith([Permissions.Endpoints.Token, Permissions.Endpoints.Revocation]);
        }
        if (client.Introspection)
        {
            permissions.Add(Permissions.Endpoints.Introspection);
        }
        foreach (var scope in client.Scopes)
        {
            permissions.Add(Permissions.Prefixes.Scope + scope);
        }
        foreach (var resource in client.Resources)
        {
            permissions.Add(Permissions.Prefixes.Resource + resource);
        }
        descriptor.Requirements.Add(Requirements.Features.ProofKeyForCodeExchange);
        if (confidential && client.GrantTypes.Contains(GrantTypes.AuthorizationCode))
        {
            descriptor.Requirements.Add(Requirements.Features.PushedAuthorizationRequests);
        }
        return descriptor;
    }

    private async Task<ClientRegistration> ToRegistrationAsync(object application, CancellationToken cancellationToken)
    {
        var descriptor = new OpenIddictApplicationDescriptor();
        await applications.PopulateAsync(descriptor, application, cancellationToken);
        string[] Suffixes(string prefix) =>
            [.. descriptor.Permissions.Where(p => p.StartsWith(prefix, StringComparison.Ordinal)).Select(p => p[prefix.Length..])];
        return new ClientRegistration
        {
            ClientId = descriptor.ClientId!,
            DisplayName = descriptor.DisplayName,
            Type = descriptor.ClientType ?? ClientTypes.Public,
            Jwks = descriptor.JsonWebKeySet is { } jwks ? JsonSerializer.Serialize(new { keys = jwks.Keys.Select(JsonWebKeyJson) }) : null,
            RedirectUris = [.. descriptor.RedirectUris.Select(u => u.OriginalString)],
            PostLogoutRedirectUris = [.. descriptor.PostLogoutRedirectUris.Select(u => u.OriginalString)],
            GrantTypes = [.. Suffixes(Permissions.Prefixes.GrantType)],
            Scopes = [.. Suffixes(Permissions.Prefixes.Scope)],
            Resources = [.. Suffixes(Permissions.Prefixes.Resource)],
            SectorIdentifier = descriptor.Properties.TryGetValue(SectorProperty, out var sector) ? sector.GetString() : null,
            PublicSubject = descriptor.Properties.TryGetValue(PublicSubjectProperty, out var isPublic) && isPublic.ValueKind == JsonValueKind.True,
            Introspection = descriptor.Permissions.Contains(Permissions.Endpoints.Introspection),
        };
    }

    private static Dictionary<string, string?> JsonWebKeyJson(JsonWebKey key) => new()
    {
        ["kty"] = key.Kty, ["kid"] = key.Kid, ["crv"] = key.Crv, ["x"] = key.X, ["y"] = key.Y, ["n"] = key.N, ["e"] = key.E,
    };

    private static bool IsLoopback(string uri) => Uri.TryCreate(uri, UriKind.Absolute, out var parsed) && parsed.IsLoopback;

    private static string DefaultSector(ClientRegistration client) =>
        // Loopback hosts are shared by every native app, so they never name a sector.
        client.RedirectUris.Select(u => Uri.TryCreate(u, UriKind.Absolute, out var parsed) && !parsed.IsLoopback ? parsed.Host : null)
            .FirstOrDefault(h => h is not null)
        ?? client.ClientId;
}
