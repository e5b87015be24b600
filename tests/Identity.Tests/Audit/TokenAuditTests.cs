using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hl7.Fhir.Model;
using Identity.Api.Audit;
using Identity.Grains.Audit;
using Identity.Tests.Tokens;
using Microsoft.Extensions.DependencyInjection;
using Task = System.Threading.Tasks.Task;

namespace Identity.Tests.Audit;

/// <summary>Each token operation and admin change stores exactly one AuditEvent of the expected kind, in the expected chain, without secrets.</summary>
public sealed class TokenAuditTests(TokenTestFactory factory) : IClassFixture<TokenTestFactory>
{
    public const string DemoAdmin = "demo-admin";
    public const string DemoAdminSecret = "demo-admin-secret-Qm7tR2vX9kL4pN8wB3yH6cJ1sF5gD0a";
    public const string DemoCompliance = "demo-compliance";
    public const string DemoComplianceSecret = "demo-compliance-secret-is1NAow277E00vRBJxqZOWLwfKkcYtI5";
    private const string PatientScope = "openid offline_access network:demo network:b";

    /// <summary>(arrange, act, expected status, type, subtype codes, action, outcome, outcomeDesc, in the patient's chain).</summary>
    private static readonly Dictionary<string, Operation> Operations = new()
    {
        ["code-exchange"] = new(w => w.AuthorizeAsync(), w => w.TokenAsync(w.CodeRedemption()),
            HttpStatusCode.OK, "110114", "ITI-71 token-issued", "E", "0", null, true),
        ["client-credentials"] = new(_ => Task.CompletedTask, w => w.TokenAsync(ClientCredentials("network:demo"), OAuthFlow.DemoNetwork, OAuthFlow.DemoNetworkSecret),
            HttpStatusCode.OK, "110114", "ITI-71 token-issued", "E", "0", null, false),
        ["refresh"] = new(w => w.TokensAsync(), w => w.TokenAsync(new() { ["grant_type"] = "refresh_token", ["client_id"] = OAuthFlow.DemoApp, ["refresh_token"] = w.RefreshToken }),
            HttpStatusCode.OK, "110114", "ITI-71 token-refreshed", "E", "0", null, true),
        ["token-exchange"] = new(w => w.TokensAsync(), w => w.TokenAsync(new()
            {
                ["grant_type"] = "urn:ietf:params:oauth:grant-type:token-exchange", ["subject_token"] = w.AccessToken,
                ["subject_token_type"] = "urn:ietf:params:oauth:token-type:access_token", ["resource"] = TokenTestFactory.NetworkB,
                ["purpose_of_use"] = "TREAT",
            }, OAuthFlow.DemoNetwork, OAuthFlow.DemoNetworkSecret),
            HttpStatusCode.OK, "110114", "ITI-71 token-exchanged", "E", "0", null, true),
        ["revoke"] = new(w => w.TokensAsync(), w => w.PostAsync("/connect/revoke", new() { ["client_id"] = OAuthFlow.DemoApp, ["token"] = w.RefreshToken }),
            HttpStatusCode.OK, "110114", "token-revoked", "D", "0", null, true),
        ["introspect-active"] = new(w => w.TokensAsync(), w => w.PostAsync("/connect/introspect", new() { ["token"] = w.AccessToken }, OAuthFlow.DemoNetwork, OAuthFlow.DemoNetworkSecret),
            HttpStatusCode.OK, "110114", "ITI-102 token-introspected", "E", "0", null, true),
        ["introspect-revoked"] = new(async w => { await w.TokensAsync(); (await w.PostAsync("/connect/revoke", new() { ["client_id"] = OAuthFlow.DemoApp, ["token"] = w.AccessToken })).Dispose(); },
            w => w.PostAsync("/connect/introspect", new() { ["token"] = w.AccessToken }, OAuthFlow.DemoNetwork, OAuthFlow.DemoNetworkSecret),
            HttpStatusCode.OK, "110114", "ITI-102 token-introspected", "E", "4", "token_inactive", true),
        ["introspect-unknown"] = new(_ => Task.CompletedTask,
            w => w.PostAsync("/connect/introspect", new() { ["token"] = "not-a-token" }, OAuthFlow.DemoNetwork, OAuthFlow.DemoNetworkSecret),
            HttpStatusCode.OK, "110114", "ITI-102 token-introspected", "E", "4", "token_inactive", false),
        ["refresh-reuse-refused"] = new(async w => { await w.TokensAsync(); (await w.RefreshAsync()).Dispose(); },
            w => w.TokenAsync(new() { ["grant_type"] = "refresh_token", ["client_id"] = OAuthFlow.DemoApp, ["refresh_token"] = w.RefreshToken }),
            HttpStatusCode.BadRequest, "110114", "ITI-71 authorization-refused", "E", "4", "invalid_grant", true),
        ["code-replay-refused"] = new(async w => { await w.AuthorizeAsync(); (await w.TokenAsync(w.CodeRedemption())).Dispose(); },
            w => w.TokenAsync(w.CodeRedemption()),
            HttpStatusCode.BadRequest, "110114", "ITI-71 authorization-refused", "E", "4", "invalid_grant", true),
        ["authorize-refused"] = new(w => w.RegisterAsync(), w => w.AuthorizeRefusedAsync(),
            HttpStatusCode.Redirect, "110114", "ITI-71 authorization-refused", "E", "4", "consent_required", true),
        ["admin-client-created"] = new(w => w.AdminTokenAsync(), w => w.AdminAsync(HttpMethod.Put, $"/admin/clients/{w.ClientId}", NewClient),
            HttpStatusCode.Created, "110113", "110129", "C", "0", null, false),
        ["admin-client-updated"] = new(async w => { await w.AdminTokenAsync(); (await w.AdminAsync(HttpMethod.Put, $"/admin/clients/{w.ClientId}", NewClient)).Dispose(); },
            w => w.AdminAsync(HttpMethod.Put, $"/admin/clients/{w.ClientId}", NewClient),
            HttpStatusCode.OK, "110113", "110129", "U", "0", null, false),
        ["admin-client-deleted"] = new(async w => { await w.AdminTokenAsync(); (await w.AdminAsync(HttpMethod.Put, $"/admin/clients/{w.ClientId}", NewClient)).Dispose(); },
            w => w.AdminAsync(HttpMethod.Delete, $"/admin/clients/{w.ClientId}", null),
            HttpStatusCode.NoContent, "110113", "110129", "D", "0", null, false),
        ["admin-network-created"] = new(w => w.AdminTokenAsync(), w => w.AdminAsync(HttpMethod.Put, $"/admin/networks/{w.NetworkScope}", NewNetwork),
            HttpStatusCode.Created, "110113", "110129", "C", "0", null, false),
        ["admin-network-updated"] = new(async w => { await w.AdminTokenAsync(); (await w.AdminAsync(HttpMethod.Put, $"/admin/networks/{w.NetworkScope}", NewNetwork)).Dispose(); },
            w => w.AdminAsync(HttpMethod.Put, $"/admin/networks/{w.NetworkScope}", NewNetwork),
            HttpStatusCode.OK, "110113", "110129", "U", "0", null, false),
        ["admin-network-deleted"] = new(async w => { await w.AdminTokenAsync(); (await w.AdminAsync(HttpMethod.Put, $"/admin/networks/{w.NetworkScope}", NewNetwork)).Dispose(); },
            w => w.AdminAsync(HttpMethod.Delete, $"/admin/networks/{w.NetworkScope}", null),
            HttpStatusCode.NoContent, "110113", "110129", "D", "0", null, false),
    };

    public static TheoryData<string> OperationNames => [.. Operations.Keys];

    [Theory]
    [MemberData(nameof(OperationNames))]
    public async Task Token_operation_records_exactly_one_expected_AuditEvent(string name)
    {
        var operation = Operations[name];
        using var world = new World(factory);
        await operation.Arrange(world);
        var before = (await EntriesAsync(factory)).Select(e => e.Index.EventId).ToHashSet();

        using var response = await operation.Act(world);

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(operation.Status == response.StatusCode, $"{name}: {(int)response.StatusCode} {body}");
        var added = (await EntriesAsync(factory)).Where(e => !before.Contains(e.Index.EventId)
            && (e.Chain == AuditChains.System || e.Chain == world.Flow.PatientId)).ToList();
        var entry = Assert.Single(added);
        var auditEvent = AuditEventJson.Parse(entry.EventJson);
        Assert.Equal(operation.Type, auditEvent.Type.Code);
        Assert.Equal(operation.Subtypes, string.Join(' ', auditEvent.Subtype.Select(s => s.Code)));
        Assert.Equal(operation.Action, entry.Index.Action);
        Assert.Equal(operation.Outcome, entry.Index.Outcome);
        Assert.Equal(operation.OutcomeDesc, auditEvent.OutcomeDesc);
        Assert.Equal(operation.PatientChain ? world.Flow.PatientId : AuditChains.System, entry.Chain);
        Assert.Single(auditEvent.Agent, a => a.Requestor == true);
        Assert.True((await factory.Services.GetRequiredService<AuditStore>().VerifyAsync(entry.Chain, default)).Intact);

        // Never a token, code, verifier or secret: only references, types, audiences and scopes.
        var returnedTokens = body.StartsWith('{')
            ? JsonDocument.Parse(body).RootElement.EnumerateObject().Where(p => p.Name.EndsWith("_token", StringComparison.Ordinal)).Select(p => p.Value.GetString()!)
            : [];
        foreach (var secret in world.Secrets.Concat(returnedTokens).Where(s => s.Length > 0))
        {
            Assert.DoesNotContain(secret, entry.EventJson, StringComparison.Ordinal);
        }

        // What the event says was issued is what the response holds.
        if (operation.Subtypes.StartsWith("ITI-71 token-", StringComparison.Ordinal))
        {
            var issued = JsonDocument.Parse(body).RootElement;
            var recorded = auditEvent.Entity.Single(e => e.Role?.Code == "13").Detail.Where(d => d.Type == "token_type")
                .Select(d => ((FhirString)d.Value).Value!.Split(':')[^1]).Order().ToArray();
            var returned = new[] { "access_token", "refresh_token", "id_token" }.Where(p => issued.TryGetProperty(p, out _)).Order().ToArray();
            Assert.Equal(returned, recorded);
        }
    }

    [Fact]
    public async Task Issued_token_event_has_the_shape_of_the_IUA_vector()
    {
        var vector = AuditEventJson.Parse(AuditVectors.Read("token-issued.json"));
        using var world = new World(factory);
        var before = (await EntriesAsync(factory)).Select(e => e.Index.EventId).ToHashSet();
        using (var response = await world.TokenAsync(new(ClientCredentials("network:demo")) { ["purpose_of_use"] = "TREAT" }, OAuthFlow.DemoNetwork, OAuthFlow.DemoNetworkSecret))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        var entry = (await EntriesAsync(factory)).Single(e => !before.Contains(e.Index.EventId) && e.Chain == AuditChains.System);
        var issued = AuditEventJson.Parse(entry.EventJson);

        var expected = AuditEventShape.Of(vector);
        var shape = AuditEventShape.Of(issued);
        Assert.Equal(expected.Type, shape.Type);
        Assert.Equal(expected.Subtypes, shape.Subtypes.Split(',')[0]);
        Assert.Equal(expected.Action, shape.Action);
        Assert.Equal(expected.AgentTypes, shape.AgentTypes);
        Assert.Contains("2/24", shape.EntityRoles.Split(','));
        Assert.Equal(vector.Source.Type.Single().Code, issued.Source.Type.Single().Code);
        Assert.Equal($"urn:identityconsent:client|{OAuthFlow.DemoNetwork}",
            $"{issued.Agent[0].Who?.Identifier?.System}|{issued.Agent[0].Who?.Identifier?.Value}");
        Assert.Equal("TREAT", issued.Agent.Single(a => a.Requestor == true).PurposeOfUse.Single().Coding.Single().Code);
        var token = issued.Entity.Single(e => e.Role?.Code == "13");
        Assert.Contains(token.Detail, d => d.Type == "aud" && ((FhirString)d.Value).Value == OAuthFlow.DemoResource);
        Assert.Contains(token.Detail, d => d.Type == "scope" && ((FhirString)d.Value).Value == "network:demo");
        var query = System.Text.Encoding.UTF8.GetString(issued.Entity.Single(e => e.Role?.Code == "24").Query!);
        Assert.Equal("POST /connect/token grant_type=client_credentials&client_id=demo-network&scope=network%3Ademo&purpose_of_use=TREAT", query);
    }

    internal static async Task<IReadOnlyList<AuditEntry>> EntriesAsync(TokenTestFactory factory) =>
        [.. (await factory.Services.GetRequiredService<AuditStore>().SearchAsync(new AuditEventQuery { Count = AuditEventQuery.MaximumCount }, default)).Entries.Reverse()];

    internal static Dictionary<string, string> ClientCredentials(string scope) => new() { ["grant_type"] = "client_credentials", ["scope"] = scope };

    private static readonly object NewClient = new
    {
        displayName = "Audited client", type = "confidential", clientSecret = "audited-client-secret-8Jd2kLs9Qw3mZx7Vb4Nc1Rt6Yp0Hg5Fe",
        grantTypes = new[] { "client_credentials" }, scopes = new[] { "network:demo" },
    };

    private static readonly object NewNetwork = new { resource = "https://audited-network.localhost/fhir", name = "Audited network" };

    private sealed record Operation(
        Func<World, Task> Arrange,
        Func<World, Task<HttpResponseMessage>> Act,
        HttpStatusCode Status, string Type, string Subtypes, string Action, string Outcome, string? OutcomeDesc, bool PatientChain);

    private sealed class World(TokenTestFactory factory) : IDisposable
    {
        public OAuthFlow Flow { get; } = new(factory);
        public string ClientId { get; } = $"audited-{Guid.NewGuid():N}"[..20];
        public string NetworkScope { get; } = $"network:audited-{Guid.NewGuid():N}"[..28];
        public string Code { get; private set; } = "";
        public string AccessToken { get; private set; } = "";
        public string RefreshToken { get; private set; } = "";
        public string AdminToken { get; private set; } = "";
        public IEnumerable<string> Secrets => [Code, AccessToken, RefreshToken, AdminToken, Flow.Verifier, OAuthFlow.DemoNetworkSecret, DemoAdminSecret, "audited-client-secret"];

        public async Task RegisterAsync() => await Flow.RegisterPatientAsync(verified: false);

        public async Task AuthorizeAsync()
        {
            await RegisterAsync();
            Code = (await Flow.AuthorizeAsync(Flow.AuthorizationRequest(PatientScope, ("resource", OAuthFlow.DemoResource))))["code"];
        }

        public Dictionary<string, string> CodeRedemption() => new()
        {
            ["grant_type"] = "authorization_code", ["client_id"] = OAuthFlow.DemoApp, ["code"] = Code,
            ["redirect_uri"] = Flow.RedirectUri, ["code_verifier"] = Flow.Verifier,
        };

        public async Task TokensAsync()
        {
            await AuthorizeAsync();
            var (status, tokens) = await Flow.RedeemAsync(Code);
            Assert.Equal(HttpStatusCode.OK, status);
            AccessToken = tokens.GetProperty("access_token").GetString()!;
            RefreshToken = tokens.GetProperty("refresh_token").GetString()!;
        }

        public Task<HttpResponseMessage> RefreshAsync() =>
            TokenAsync(new() { ["grant_type"] = "refresh_token", ["client_id"] = OAuthFlow.DemoApp, ["refresh_token"] = RefreshToken });

        public async Task<HttpResponseMessage> AuthorizeRefusedAsync()
        {
            var (_, pushed) = await Flow.PushAsync(Flow.AuthorizationRequest("openid network:demo", ("prompt", "none")));
            return await Flow.Browser.Http.GetAsync($"/connect/authorize?client_id={OAuthFlow.DemoApp}&request_uri={Uri.EscapeDataString(pushed.GetProperty("request_uri").GetString()!)}");
        }

        public Task<HttpResponseMessage> TokenAsync(Dictionary<string, string> parameters, string? clientId = null, string? secret = null) =>
            PostAsync("/connect/token", parameters, clientId, secret);

        public Task<HttpResponseMessage> PostAsync(string path, Dictionary<string, string> parameters, string? clientId = null, string? secret = null)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(parameters) };
            if (clientId is not null)
            {
                request.Headers.Authorization = OAuthFlow.Basic(clientId, secret!);
            }
            return Flow.Backchannel.SendAsync(request);
        }

        public async Task AdminTokenAsync()
        {
            using var response = await TokenAsync(ClientCredentials("admin"), DemoAdmin, DemoAdminSecret);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            AdminToken = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
        }

        public Task<HttpResponseMessage> AdminAsync(HttpMethod method, string path, object? body)
        {
            var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            request.Headers.Authorization = new("Bearer", AdminToken);
            return Flow.Backchannel.SendAsync(request);
        }

        public void Dispose() => Flow.Dispose();
    }
}
