using Identity.Api.Apis;
using Identity.Api.Tokens.Dispatch;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenIddict.Abstractions;
using OpenIddict.EntityFrameworkCore.Models;
using OpenIddict.Server;
using OpenIddict.Validation.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Identity.Api.Tokens;

public static class TokenServiceHostingExtensions
{
    public const string AdminPolicy = "admin";

    /// <summary>The OpenIddict server (PROFILES.md, "Tokens") over EF Core stores, and the validation of its own admin tokens.</summary>
    public static IHostApplicationBuilder AddTokenService(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        var settings = builder.Configuration.GetSection(TokenSettings.Section).Get<TokenSettings>() ?? new TokenSettings();
        services.AddSingleton(settings);
        var dataFolder = services.AddTokenDatabase(builder.Configuration, builder.Environment.ContentRootPath);
        var keys = SigningKeyRing.Load(settings, builder.Environment, dataFolder);
        services.AddSingleton(PairwiseSubject.Load(settings, builder.Environment, dataFolder));
        services.AddSingleton<PatientClaims>();
        services.AddSingleton<NetworkCatalog>();
        services.TryAddSingleton<IPromptLoginMarkers, InMemoryPromptLoginMarkers>();
        services.TryAddSingleton<IClientAssertionLedger, InMemoryClientAssertionLedger>();
        services.AddScoped<ClientRegistry>();
        services.AddSingleton<TokenAdminAudit>();
        services.AddSingleton<TokenEntryWriter>();
        services.AddSingleton<TokenStateCache>();
        services.TryAddSingleton<ITokenStateFanOut, LocalTokenStateFanOut>();
        services.AddHostedService<TokenStoreInitializer>();
        services.AddAntiforgery();
        services.AddMemoryCache();

        services.AddOpenIddict()
            .AddCore(core =>
            {
                core.UseEntityFrameworkCore().UseDbContext<TokenDbContext>();
                core.ReplaceTokenStore<OpenIddictEntityFrameworkCoreToken, TokenEntryStore>(ServiceLifetime.Scoped);
                core.ReplaceApplicationStore<OpenIddictEntityFrameworkCoreApplication, ApplicationEntryStore>(ServiceLifetime.Scoped);
                core.ReplaceAuthorizationStore<OpenIddictEntityFrameworkCoreAuthorization, AuthorizationEntryStore>(ServiceLifetime.Scoped);
                core.ReplaceApplicationManager<OpenIddictEntityFrameworkCoreApplication, ClientApplicationManager>();
            })
            .AddServer(server =>
            {
                if (settings.Issuer is { } issuer)
                {
                    server.SetIssuer(issuer);
                }
                server.SetAuthorizationEndpointUris(ConnectApi.Authorize)
                    .SetPushedAuthorizationEndpointUris(ConnectApi.PushedAuthorization)
                    .SetTokenEndpointUris(ConnectApi.Token)
                    .SetUserInfoEndpointUris(ConnectApi.UserInfo)
                    .SetIntrospectionEndpointUris(ConnectApi.Introspect)
                    .SetRevocationEndpointUris(ConnectApi.Revoke)
                    .SetEndSessionEndpointUris(ConnectApi.EndSession)
                    .SetConfigurationEndpointUris("/.well-known/openid-configuration")
                    .SetJsonWebKeySetEndpointUris("/.well-known/jwks.json");

                server.AllowAuthorizationCodeFlow()
                    .AllowRefreshTokenFlow()
                    .AllowClientCredentialsFlow()
                    .AllowTokenExchangeFlow()
                    .RequireProofKeyForCodeExchange();

                // Every request is turned into a request_uri (as PAR does), so sign-in and consent can return to it.
                server.EnableAuthorizationRequestCaching();

                foreach (var key in keys)
                {
                    server.AddSigningKey(key);
                }
                // Access tokens are plain at+jwt (RFC 9068) so networks can check them; only server-only tokens are encrypted.
                server.AddEncryptionKey(SigningKeyRing.EncryptionKey(settings.EncryptionKey, builder.Environment, dataFolder))
                    .DisableAccessTokenEncryption();

                server.SetAccessTokenLifetime(settings.AccessTokenLifetime)
                    .SetIdentityTokenLifetime(TimeSpan.FromMinutes(10))
                    .SetAuthorizationCodeLifetime(TimeSpan.FromMinutes(2))
                    .SetRefreshTokenLifetime(TimeSpan.FromDays(Math.Clamp(settings.RefreshTokenDays, 1, 90)))
                    // Rolling refresh tokens are the default; no reuse leeway means any second use revokes every token of the authorization.
                    .SetRefreshTokenReuseLeeway(null);

                server.RegisterScopes([.. TokenScopes.Static]);
                server.RegisterClaims(
                    Claims.Subject, Claims.AuthenticationContextReference, Claims.AuthenticationMethodReference, Claims.AuthenticationTime,
                    TokenClaims.SessionId, Claims.GivenName, Claims.FamilyName, Claims.Birthdate, TokenClaims.VerifiedClaims,
                    TokenScopes.PersonIdentifier, TokenScopes.FhirUser);

                // Scopes and resources are checked by RequestPolicy against the in-memory catalogue (see there).
                server.DisableScopeValidation()
                    .IgnoreScopePermissions()
                    .DisableResourceValidation();
                foreach (var descriptor in RequestPolicy.Descriptors)
                {
                    server.AddEventHandler(descriptor);
                }
                server.AddEventHandler(ClientAssertionPolicy.Descriptor);
                server.AddEventHandler(DiscoveryMetadata.Descriptor);
                server.AddEventHandler(TokenExchangePolicy.Descriptor);
                foreach (var descriptor in TokenAuditing.Descriptors)
                {
                    server.AddEventHandler(descriptor);
                }
                foreach (var descriptor in CachedEntryValidation.ServerReplaced)
                {
                    server.RemoveEventHandler(descriptor);
                }
                foreach (var descriptor in CachedEntryValidation.ServerDescriptors)
                {
                    server.AddEventHandler(descriptor);
                }
                foreach (var descriptor in IntrospectionPolicy.Replaced)
                {
                    server.RemoveEventHandler(descriptor);
                }
                foreach (var descriptor in IntrospectionPolicy.Descriptors)
                {
                    server.AddEventHandler(descriptor);
                }
                server.Configure(options =>
                {
                    // PKCE S256 only: "plain" is neither accepted nor advertised.
                    options.CodeChallengeMethods.Clear();
                    options.CodeChallengeMethods.Add(CodeChallengeMethods.Sha256);
                });

                var aspNetCore = server.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    .EnableUserInfoEndpointPassthrough()
                    .EnableEndSessionEndpointPassthrough();
                if (builder.Environment.IsDevelopment())
                {
                    aspNetCore.DisableTransportSecurityRequirement();
                }
            })
            .AddValidation(validation =>
            {
                validation.UseLocalServer();
                validation.AddAudiences(settings.AdminAudience);
                // OpenIddict 7.8 predates the GHSA-cxgj-hwwh-855g fix (7.9.0): the validation stack could accept tokens whose
                // authorization entry was no longer valid when token entry validation was off. Both checks are on.
                validation.EnableTokenEntryValidation();
                validation.EnableAuthorizationEntryValidation();
                foreach (var descriptor in CachedEntryValidation.ValidationReplaced)
                {
                    validation.RemoveEventHandler(descriptor);
                }
                foreach (var descriptor in CachedEntryValidation.ValidationDescriptors)
                {
                    validation.AddEventHandler(descriptor);
                }
                validation.UseAspNetCore();
            });

        // OpenIddict's dispatchers, planned once per event type instead of scanning every descriptor for every event.
        services.AddSingleton(new RegisteredLifetimes(services));
        services.AddSingleton<HandlerPlans>();
        services.Replace(ServiceDescriptor.Scoped<IOpenIddictServerDispatcher, IndexedServerDispatcher>());
        services.Replace(ServiceDescriptor.Scoped<OpenIddict.Validation.IOpenIddictValidationDispatcher, IndexedValidationDispatcher>());

        services.AddAuthorizationBuilder().AddPolicy(AdminPolicy, policy => policy
            .AddAuthenticationSchemes(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme)
            .RequireAuthenticatedUser()
            .RequireAssertion(context => context.User.HasScope(TokenScopes.Admin)));
        return builder;
    }

    /// <summary>The endpoints: OpenID Connect (<c>/connect/*</c>), well-known documents and the admin API.</summary>
    public static WebApplication MapConnect(this WebApplication app)
    {
        app.MapConnectApi();
        app.MapWellKnownApi();
        app.MapTokenAdminApi();
        return app;
    }

    internal static string SignInScheme => IdentityConstants.ApplicationScheme;
}
