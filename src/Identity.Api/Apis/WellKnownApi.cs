using Identity.Api.Tokens;

namespace Identity.Api.Apis;

/// <summary>
/// <c>/.well-known/smart-configuration</c> (SMART App Launch 2.x, §"Conformance"). OpenIddict serves
/// <c>/.well-known/openid-configuration</c> and the JWKS itself.
/// </summary>
public static class WellKnownApi
{
    /// <summary>Only what this service really does: no EHR launch, no user or system resource scopes.</summary>
    private static readonly string[] Capabilities =
    [
        "launch-standalone", "authorize-post", "client-public", "client-confidential-symmetric", "client-confidential-asymmetric",
        "sso-openid-connect", "context-standalone-patient", "permission-offline", "permission-patient", "permission-v1", "permission-v2",
    ];

    public static IEndpointRouteBuilder MapWellKnownApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/.well-known/smart-configuration", (HttpRequest request, TokenSettings settings) =>
        {
            var issuer = (settings.Issuer ?? new Uri($"{request.Scheme}://{request.Host}{request.PathBase}/")).AbsoluteUri;
            string At(string path) => issuer.TrimEnd('/') + path;
            return TypedResults.Json(new Dictionary<string, object>
            {
                ["issuer"] = issuer,
                ["jwks_uri"] = At("/.well-known/jwks.json"),
                ["authorization_endpoint"] = At(ConnectApi.Authorize),
                ["pushed_authorization_request_endpoint"] = At(ConnectApi.PushedAuthorization),
                ["token_endpoint"] = At(ConnectApi.Token),
                ["userinfo_endpoint"] = At(ConnectApi.UserInfo),
                ["introspection_endpoint"] = At(ConnectApi.Introspect),
                ["revocation_endpoint"] = At(ConnectApi.Revoke),
                ["grant_types_supported"] = ClientRegistry.SupportedGrantTypes,
                ["token_endpoint_auth_methods_supported"] = new[] { "client_secret_basic", "private_key_jwt" },
                ["token_endpoint_auth_signing_alg_values_supported"] = new[] { "ES256", "RS256" },
                ["scopes_supported"] = TokenScopes.Static.Where(s => s != TokenScopes.Admin)
                    .Concat(["patient/*.rs", "patient/*.cruds", "patient/*.read"]).ToArray(),
                ["response_types_supported"] = new[] { "code" },
                ["code_challenge_methods_supported"] = new[] { "S256" },
                ["acr_values_supported"] = AssuranceLevels.Supported,
                ["capabilities"] = Capabilities,
            });
        }).WithTags("Tokens").WithSummary("SMART App Launch 2 configuration");
        return app;
    }
}
