using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Identity.Tests.Passkeys;
using Identity.Tests.Tokens;
using Task = System.Threading.Tasks.Task;

namespace Identity.Tests.Audit;

/// <summary>A compliance client with an audit.read access token from the token service searches and exports the trail; other tokens get 403.</summary>
public sealed class ComplianceAccessTests(TokenTestFactory factory) : IClassFixture<TokenTestFactory>
{
    private static readonly FhirJsonDeserializer Fhir = new(new DeserializerSettings());

    [Fact]
    public async Task Compliance_client_with_audit_read_searches_and_exports_the_trail()
    {
        using var flow = new OAuthFlow(factory);
        var patient = await flow.RegisterPatientAsync(verified: false);
        var token = await ClientCredentialsTokenAsync(flow, TokenAuditTests.DemoCompliance, TokenAuditTests.DemoComplianceSecret, "audit.read");

        using var search = await GetAsync(flow, $"/fhir/AuditEvent?patient={patient:D}", token);
        Assert.Equal(HttpStatusCode.OK, search.StatusCode);
        var bundle = Assert.IsType<Bundle>(Fhir.DeserializeResource(await search.Content.ReadAsStringAsync()));
        Assert.NotEmpty(bundle.Entry);
        Assert.All(bundle.Entry, e => Assert.Contains(Assert.IsType<AuditEvent>(e.Resource).Entity, x => x.What?.Reference == $"Patient/{patient:D}"));

        // The compliance client's own token request is in the trail too (system chain), found by agent.
        using var tokens = await GetAsync(flow, $"/fhir/AuditEvent?agent={Uri.EscapeDataString($"urn:identityconsent:client|{TokenAuditTests.DemoCompliance}")}&type=110114", token);
        Assert.Equal(HttpStatusCode.OK, tokens.StatusCode);
        Assert.True(Assert.IsType<Bundle>(Fhir.DeserializeResource(await tokens.Content.ReadAsStringAsync())).Total >= 1);

        var today = DateTime.UtcNow.Date;
        using var export = await GetAsync(flow, $"/audit/export?from={today:yyyy-MM-dd}&to={today.AddDays(1):yyyy-MM-dd}", token);
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        Assert.Equal("application/fhir+ndjson", export.Content.Headers.ContentType?.MediaType);
        var lines = (await export.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        Assert.All(lines, line => Assert.IsType<AuditEvent>(Fhir.DeserializeResource(line)));

        // Each compliance read is itself audited (Audit Log Used), naming the compliance client.
        using var reads = await GetAsync(flow, "/fhir/AuditEvent?type=110101", token);
        var used = Assert.IsType<Bundle>(Fhir.DeserializeResource(await reads.Content.ReadAsStringAsync()));
        Assert.Contains(used.Entry, e => Assert.IsType<AuditEvent>(e.Resource).Agent[0].Who?.Identifier?.Value == TokenAuditTests.DemoCompliance);
    }

    [Fact]
    public async Task Tokens_without_audit_read_get_403_and_no_token_gets_401()
    {
        using var flow = new OAuthFlow(factory);
        var admin = await ClientCredentialsTokenAsync(flow, TokenAuditTests.DemoAdmin, TokenAuditTests.DemoAdminSecret, "admin");

        using var search = await GetAsync(flow, "/fhir/AuditEvent?outcome=4", admin);
        Assert.Equal(HttpStatusCode.Forbidden, search.StatusCode);
        using var export = await GetAsync(flow, "/audit/export?from=2020-01-01&to=2100-01-01", admin);
        await PasskeyHttpTests.AssertProblem(export, HttpStatusCode.Forbidden, "audit_read_required");
        using var verify = await GetAsync(flow, "/audit/verify", admin);
        await PasskeyHttpTests.AssertProblem(verify, HttpStatusCode.Forbidden, "audit_read_required");

        using var anonymous = await GetAsync(flow, "/fhir/AuditEvent?outcome=4", null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task Only_clients_allowed_audit_read_obtain_it()
    {
        using var flow = new OAuthFlow(factory);
        var (status, body) = await flow.TokenAsync(TokenAuditTests.ClientCredentials("audit.read"), OAuthFlow.Basic(OAuthFlow.DemoNetwork, OAuthFlow.DemoNetworkSecret));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_scope", body.GetProperty("error").GetString());
    }

    internal static async Task<string> ClientCredentialsTokenAsync(OAuthFlow flow, string clientId, string secret, string scope)
    {
        var (status, body) = await flow.TokenAsync(TokenAuditTests.ClientCredentials(scope), OAuthFlow.Basic(clientId, secret));
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        return body.GetProperty("access_token").GetString()!;
    }

    private static Task<HttpResponseMessage> GetAsync(OAuthFlow flow, string path, string? token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new("Bearer", token);
        }
        return flow.Backchannel.SendAsync(request);
    }
}
