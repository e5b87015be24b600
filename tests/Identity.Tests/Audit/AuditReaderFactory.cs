using System.Security.Claims;
using System.Text.Encodings.Web;
using Identity.Api.Apis;
using Identity.Api.Audit;
using Identity.Grains.Audit;
using Identity.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Identity.Tests.Audit;

/// <summary>
/// The service with a test authentication scheme standing in for the token service's <c>audit.read</c> access tokens:
/// a request with <see cref="ClientHeader"/> is a compliance client with scope audit.read.
/// </summary>
public sealed class AuditReaderFactory : IdentityApiFactory
{
    public const string ClientHeader = "X-Test-Audit-Client";
    private const string SchemeName = "TestAuditReader";

    public AuditStore Store => Services.GetRequiredService<AuditStore>();

    /// <summary>Every stored entry, oldest first.</summary>
    public async Task<IReadOnlyList<AuditEntry>> EntriesAsync() =>
        [.. (await Store.SearchAsync(new AuditEventQuery { Count = AuditEventQuery.MaximumCount }, default)).Entries.Reverse()];

    public HttpClient ComplianceClient(string clientId = "compliance-console")
    {
        var http = CreateClient(new() { BaseAddress = new Uri(Origin) });
        http.DefaultRequestHeaders.Add(ClientHeader, clientId);
        return http;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, Handler>(SchemeName, null);
            services.AddAuthorizationBuilder().AddPolicy(AuditApi.ReadPolicy, policy => policy
                .AddAuthenticationSchemes(SchemeName)
                .RequireAuthenticatedUser()
                .RequireClaim("scope", AuditApi.ReadScope));
        });
    }

    private sealed class Handler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            if (Request.Headers[ClientHeader] is not [{ Length: > 0 } client])
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }
            var identity = new ClaimsIdentity([new Claim("client_id", client), new Claim("scope", "audit.read")], SchemeName);
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
        }
    }
}
