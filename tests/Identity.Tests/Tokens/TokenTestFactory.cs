using System.Security.Cryptography;
using System.Text.Json;
using Identity.Tests.Infrastructure;
using Microsoft.IdentityModel.Tokens;

namespace Identity.Tests.Tokens;

/// <summary>The service with the Development demo clients plus a private_key_jwt network and a second network.</summary>
public sealed class TokenTestFactory : IdentityApiFactory
{
    public const string KeyClient = "network-b";
    public const string NetworkB = "https://network-b.localhost/fhir";

    public ECDsa ClientKey { get; }

    public TokenTestFactory() : this(ECDsa.Create(ECCurve.NamedCurves.nistP256))
    {
    }

    private TokenTestFactory(ECDsa clientKey)
    {
        ClientKey = clientKey;
        var jwk = JsonWebKeyConverter.ConvertFromECDsaSecurityKey(new ECDsaSecurityKey(ECDsa.Create(ClientKey.ExportParameters(false))));
        var jwks = JsonSerializer.Serialize(new { keys = new[] { new { kty = jwk.Kty, crv = jwk.Crv, x = jwk.X, y = jwk.Y, kid = "k1" } } });
        Settings["Tokens:Networks:1:Resource"] = NetworkB;
        Settings["Tokens:Networks:1:Scope"] = "network:b";
        Settings["Tokens:Networks:1:Name"] = "Network B";
        Settings["Tokens:Clients:4:ClientId"] = KeyClient;
        Settings["Tokens:Clients:4:Type"] = "confidential";
        Settings["Tokens:Clients:4:Jwks"] = jwks;
        Settings["Tokens:Clients:4:GrantTypes:0"] = "client_credentials";
        Settings["Tokens:Clients:4:Scopes:0"] = "network:b";
        Settings["Tokens:Clients:4:Resources:0"] = NetworkB;
        Settings["Tokens:Clients:4:Introspection"] = "true";
        // The demo network may trade patient tokens for network B (token exchange).
        Settings["Tokens:Clients:1:Resources:1"] = NetworkB;
        Settings["Tokens:Clients:1:Scopes:1"] = "network:b";
        Settings["Tokens:Clients:0:Scopes:8"] = "network:b";
        Settings["Tokens:Clients:0:Resources:1"] = NetworkB;
    }

    /// <summary>Another instance of one deployment: network-b's private_key_jwt key is <paramref name="clientKey"/>.</summary>
    public static TokenTestFactory WithClientKey(ECDsa clientKey) => new(clientKey);
}
