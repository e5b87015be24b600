using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hl7.Fhir.Model;
using Identity.Api.Audit;
using Identity.Grains.Audit;
using Identity.Grains.Consent;
using Identity.Tests.Consent;
using Identity.Tests.Enrollment;
using Identity.Tests.Infrastructure;
using Identity.Tests.Tokens;
using Microsoft.Extensions.DependencyInjection;
using static Identity.Tests.Consent.ConsentHttp;

namespace Identity.Tests.Audit;

/// <summary>
/// The audited consent operations (changes, FHIR reads and searches, decisions) each store exactly one AuditEvent of the
/// expected kind in the patient's chain: type, subtype, action, outcome, entity roles (<c>-</c> for an entity without a
/// role, such as the Consent of a change or decision) and the requestor's purpose of use.
/// </summary>
public sealed class ConsentAuditTests(ConsentTestFactory factory) : IClassFixture<ConsentTestFactory>
{
    private const string Btg = "unconscious patient in the emergency department";

    private static readonly Dictionary<string, Operation> Operations = new()
    {
        ["consent-create"] = new(_ => System.Threading.Tasks.Task.CompletedTask,
            w => SendAsync(w.Http, HttpMethod.Post, "/fhir/Consent", w.ConsentJson("svc-permit-network-treat.json")),
            HttpStatusCode.Created, "110110", "", "C", "0", ["1", "-"], "PATRQT"),
        ["consent-update"] = new(w => w.CreateAsync(),
            w => SendAsync(w.Http, HttpMethod.Put, $"/fhir/Consent/{w.ConsentId}", w.Changed("dateTime", "2026-01-02"), "W/\"1\""),
            HttpStatusCode.OK, "110110", "", "U", "0", ["1", "-"], "PATRQT"),
        ["consent-withdraw"] = new(w => w.CreateAsync(),
            w => SendAsync(w.Http, HttpMethod.Put, $"/fhir/Consent/{w.ConsentId}", w.Changed("status", "inactive"), "W/\"1\""),
            HttpStatusCode.OK, "110110", "", "U", "0", ["1", "-"], "PATRQT"),
        ["consent-read"] = new(w => w.CreateAsync(),
            w => SendAsync(w.Http, HttpMethod.Get, $"/fhir/Consent/{w.ConsentId}"),
            HttpStatusCode.OK, "rest", "read", "R", "0", ["1", "4"], "PATRQT"),
        ["consent-vread"] = new(w => w.CreateAsync(),
            w => SendAsync(w.Http, HttpMethod.Get, $"/fhir/Consent/{w.ConsentId}/_history/1"),
            HttpStatusCode.OK, "rest", "vread", "R", "0", ["1", "4"], "PATRQT"),
        ["consent-search"] = new(w => w.CreateAsync(),
            w => SendAsync(w.Http, HttpMethod.Get, $"/fhir/Consent?patient=Patient/{w.Patient:D}&status=active"),
            HttpStatusCode.OK, "rest", "search", "E", "0", ["1", "24"], "PATRQT"),
        ["consent-search-compliance"] = new(async w => { await w.CreateAsync(); await w.TokenAsync(ConsentTestFactory.Compliance, ConsentTestFactory.ComplianceSecret, "system/Consent.rs"); },
            w => SendAsync(w.Flow.Backchannel, HttpMethod.Get, "/fhir/Consent?status=active&_count=1000", bearer: w.Token),
            HttpStatusCode.OK, "rest", "search", "E", "0", ["1", "24"], "HCOMPL"),
        ["consent-history"] = new(w => w.CreateAsync(),
            w => SendAsync(w.Http, HttpMethod.Get, $"/fhir/Consent/{w.ConsentId}/_history"),
            HttpStatusCode.OK, "rest", "history-instance", "E", "0", ["1", "4", "24"], "PATRQT"),
        ["consent-history-type"] = new(w => w.CreateAsync(),
            w => SendAsync(w.Http, HttpMethod.Get, "/fhir/Consent/_history?_count=10"),
            HttpStatusCode.OK, "rest", "history-type", "E", "0", ["1", "24"], "PATRQT"),
        ["decision-permit"] = new(w => w.StoreAsync("D01"), w => w.DecideAsync("D01", null),
            HttpStatusCode.OK, "110113", "AuthZ-Consent", "E", "0", ["1", "-"], "TREAT"),
        ["decision-deny"] = new(w => w.StoreAsync("D05"), w => w.DecideAsync("D05", null),
            HttpStatusCode.OK, "110113", "AuthZ-Consent", "E", "8", ["1", "-"], "TREAT"),
        ["decision-no-consent"] = new(w => w.StoreAsync("D04"), w => w.DecideAsync("D04", null),
            HttpStatusCode.OK, "110113", "AuthZ-Consent", "E", "0", ["1"], "TREAT"),
        ["decision-break-the-glass"] = new(w => w.StoreAsync("D06"), w => w.DecideAsync("D06", Btg),
            HttpStatusCode.OK, "110113", "AuthZ-Consent", "E", "0", ["1", "-"], "BTG", Btg),
    };

    public static TheoryData<string> OperationNames => [.. Operations.Keys];

    [Theory]
    [MemberData(nameof(OperationNames))]
    public async System.Threading.Tasks.Task Consent_operation_records_exactly_one_expected_AuditEvent(string name)
    {
        var operation = Operations[name];
        using var flow = new OAuthFlow(factory);
        var world = new World(factory, flow, await flow.RegisterPatientAsync(verified: false));
        await operation.Arrange(world);
        var store = factory.Services.GetRequiredService<AuditStore>();
        var before = (await EntriesAsync(store)).Select(e => e.Index.EventId).ToHashSet();

        var (status, body, response) = await operation.Act(world);
        response.Dispose();

        Assert.True(operation.Status == status, $"{name}: {(int)status} {body}");
        // Other patients' chains may grow meanwhile (a compliance search covers every patient); this patient's chain and the system chain count.
        var added = (await EntriesAsync(store)).Where(e => !before.Contains(e.Index.EventId)
            && (e.Chain == AuditChains.System || e.Chain == world.Patient)).ToList();
        var entry = Assert.Single(added);
        Assert.Equal(world.Patient, entry.Chain);
        var auditEvent = JsonDocument.Parse(entry.EventJson).RootElement;
        Assert.Equal(operation.Type, auditEvent.GetProperty("type").GetProperty("code").GetString());
        Assert.Equal(operation.Subtype, auditEvent.TryGetProperty("subtype", out var subtype) ? subtype[0].GetProperty("code").GetString() : "");
        Assert.Equal(operation.Action, auditEvent.GetProperty("action").GetString());
        Assert.Equal(operation.Outcome, auditEvent.GetProperty("outcome").GetString());
        Assert.Equal(operation.EntityRoles, auditEvent.GetProperty("entity").EnumerateArray()
            .Select(e => e.TryGetProperty("role", out var role) ? role.GetProperty("code").GetString()! : "-"));
        var requestor = auditEvent.GetProperty("agent").EnumerateArray().Single(a => a.GetProperty("requestor").GetBoolean());
        var purpose = requestor.GetProperty("purposeOfUse")[0];
        Assert.Equal(operation.Purpose, purpose.GetProperty("coding")[0].GetProperty("code").GetString());
        if (operation.PurposeText is not null)
        {
            Assert.Equal(operation.PurposeText, purpose.GetProperty("text").GetString());
        }
        Assert.True((await store.VerifyAsync(entry.Chain, default)).Intact);

        if (operation.Type == "rest")
        {
            // BALP PatientRead / PatientQuery: the query (base64) names only the request line with references and codes.
            Assert.Contains(operation.Subtype is "read" or "vread" ? "PatientRead" : "PatientQuery",
                auditEvent.GetProperty("meta").GetProperty("profile")[0].GetString(), StringComparison.Ordinal);
            foreach (var entity in auditEvent.GetProperty("entity").EnumerateArray().Where(e => e.TryGetProperty("query", out _)))
            {
                var query = System.Text.Encoding.UTF8.GetString(entity.GetProperty("query").GetBytesFromBase64());
                Assert.StartsWith("GET /fhir/Consent", query, StringComparison.Ordinal);
            }
            Assert.DoesNotContain("\"provision\"", entry.EventJson, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async System.Threading.Tasks.Task Compliance_search_records_one_event_per_patient_returned_and_a_system_event_when_none()
    {
        using var flow = new OAuthFlow(factory);
        var first = new World(factory, flow, await flow.RegisterPatientAsync(verified: false));
        await first.CreateAsync();
        using var otherFlow = new OAuthFlow(factory);
        var second = new World(factory, otherFlow, await otherFlow.RegisterPatientAsync(verified: false));
        await second.CreateAsync();
        var token = await ClientTokenAsync(flow, ConsentTestFactory.Compliance, ConsentTestFactory.ComplianceSecret, "system/Consent.rs");
        var store = factory.Services.GetRequiredService<AuditStore>();
        var before = (await EntriesAsync(store)).Select(e => e.Index.EventId).ToHashSet();

        var (status, _, response) = await SendAsync(flow.Backchannel, HttpMethod.Get, "/fhir/Consent?status=active&_count=1000", bearer: token);
        response.Dispose();
        var (noneStatus, _, none) = await SendAsync(flow.Backchannel, HttpMethod.Get, "/fhir/Consent?actor=Organization/nobody-at-all", bearer: token);
        none.Dispose();

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (status, noneStatus));
        var added = (await EntriesAsync(store)).Where(e => !before.Contains(e.Index.EventId)).ToList();
        Assert.Single(added, e => e.Chain == first.Patient);
        Assert.Single(added, e => e.Chain == second.Patient);
        var empty = Assert.Single(added, e => e.Chain == AuditChains.System);
        Assert.Contains("Organization/nobody-at-all", System.Text.Encoding.UTF8.GetString(
            JsonDocument.Parse(empty.EventJson).RootElement.GetProperty("entity")[0].GetProperty("query").GetBytesFromBase64()), StringComparison.Ordinal);
    }

    [Fact]
    public async System.Threading.Tasks.Task Reads_and_searches_are_not_answered_when_the_audit_store_is_down()
    {
        await using var own = new ConsentTestFactory();
        own.Settings["Audit:TimeoutSeconds"] = "1";
        using var flow = new OAuthFlow(own);
        var world = new World(own, flow, await flow.RegisterPatientAsync(verified: false));
        await world.CreateAsync();

        await using var holder = await AuditStoreLock.TakeAsync(own);
        foreach (var path in new[] { $"/fhir/Consent/{world.ConsentId}", $"/fhir/Consent/{world.ConsentId}/_history/1",
            $"/fhir/Consent/{world.ConsentId}/_history", $"/fhir/Consent?patient=Patient/{world.Patient:D}" })
        {
            var (status, body, response) = await SendAsync(world.Http, HttpMethod.Get, path);
            response.Dispose();
            Assert.True(status == HttpStatusCode.ServiceUnavailable, $"{path}: {(int)status} {body}");
            Assert.DoesNotContain("provision", body.ToString(), StringComparison.Ordinal);
        }
    }

    private static async Task<IReadOnlyList<AuditEntry>> EntriesAsync(AuditStore store) =>
        [.. (await store.SearchAsync(new AuditEventQuery { Count = AuditEventQuery.MaximumCount }, default)).Entries.Reverse()];

    private sealed record Operation(
        Func<World, System.Threading.Tasks.Task> Arrange,
        Func<World, Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)>> Act,
        HttpStatusCode Status, string Type, string Subtype, string Action, string Outcome, string[] EntityRoles, string Purpose, string? PurposeText = null);

    private sealed class World(ConsentTestFactory factory, OAuthFlow flow, Guid patient)
    {
        public OAuthFlow Flow { get; } = flow;
        public Guid Patient { get; } = patient;
        public HttpClient Http => Flow.Browser.Http;
        public string? ConsentId { get; private set; }
        private JsonNode? _created;

        public string ConsentJson(string file) => ConsentVectors.ForPatient(ConsentVectors.Valid(file), Patient);

        public async System.Threading.Tasks.Task CreateAsync()
        {
            var (status, created, response) = await SendAsync(Http, HttpMethod.Post, "/fhir/Consent", ConsentJson("svc-permit-network-treat.json"));
            response.Dispose();
            Assert.True(status == HttpStatusCode.Created, created.ToString());
            ConsentId = created.GetProperty("id").GetString();
            _created = JsonNode.Parse(created.GetRawText());
        }

        public string Changed(string property, string value)
        {
            var changed = _created!.DeepClone();
            changed[property] = value;
            return changed.ToJsonString();
        }

        /// <summary>Stores the consents of a decisions.json case for this patient, straight into the grain (not audited).</summary>
        public string? Token { get; private set; }

        /// <summary>A client-credentials token, taken while arranging: issuing it is itself audited (system chain).</summary>
        public async System.Threading.Tasks.Task TokenAsync(string clientId, string secret, string scope) =>
            Token = await ClientTokenAsync(Flow, clientId, secret, scope);

        public async System.Threading.Tasks.Task StoreAsync(string caseId)
        {
            await TokenAsync(OAuthFlow.DemoNetwork, OAuthFlow.DemoNetworkSecret, "consent.decide");
            var grains = factory.Services.GetRequiredService<IGrainFactory>();
            foreach (var file in ConsentVectors.Decision(caseId).Consents)
            {
                var stored = await grains.GetGrain<IPatientConsentGrain>(Patient).CreateAsync(Guid.NewGuid().ToString("D"), ConsentVectors.ForPatient(file, Patient), "test");
                Assert.Equal(ConsentWriteStatus.Done, stored.Status);
            }
        }

        public async Task<(HttpStatusCode, JsonElement, HttpResponseMessage)> DecideAsync(string caseId, string? reason)
        {
            var vector = ConsentVectors.Decision(caseId);
            using var request = new HttpRequestMessage(HttpMethod.Post, "/consent/decide")
            {
                Content = System.Net.Http.Json.JsonContent.Create(new
                {
                    patient = $"Patient/{Patient:D}", actor = vector.Actor, purposeOfUse = vector.PurposeOfUse, action = vector.Action,
                    securityLabels = vector.SecurityLabels, time = vector.Time, reason,
                }),
            };
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token);
            var response = await Flow.Backchannel.SendAsync(request);
            return (response.StatusCode, await JsonAsync(response), response);
        }
    }
}

/// <summary>
/// Enrolment's audited outcomes, each exactly one AuditEvent: identity verified (a new patient), a refused presentation
/// (no patient, no entity), and account recovery (the same licence again).
/// </summary>
public sealed class EnrollmentAuditTests : IAsyncLifetime
{
    private readonly TestWallet _wallet = new(DateTimeOffset.UtcNow);
    private readonly EnrollmentApiFactory _factory;
    private PatientClient _browser = null!;
    private HttpClient _walletHttp = null!;

    public EnrollmentAuditTests() => _factory = new EnrollmentApiFactory(_wallet);

    public System.Threading.Tasks.Task InitializeAsync()
    {
        _browser = PatientClient.For(_factory);
        _walletHttp = _factory.CreateClient(new() { BaseAddress = new Uri(_factory.Origin), HandleCookies = false });
        return System.Threading.Tasks.Task.CompletedTask;
    }

    public async System.Threading.Tasks.Task DisposeAsync()
    {
        _browser.Dispose();
        _walletHttp.Dispose();
        await _factory.DisposeAsync();
        _wallet.Dispose();
    }

    /// <summary>(enrol first, act through the redirect path or the DC API for another origin; expected subtype, action, outcome, entity roles).</summary>
    public static TheoryData<string, bool, bool, string, string, string, string> Cases => new()
    {
        { "verification-success", false, false, "identity-proofing", "C", "0", "1,13" },
        { "verification-failure-origin", false, true, "identity-proofing", "C", "4", "" },
        { "account-recovery", true, false, "account-recovery", "U", "0", "1,13" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async System.Threading.Tasks.Task Enrolment_operation_records_exactly_one_expected_AuditEvent(
        string name, bool enrolFirst, bool wrongOrigin, string subtype, string action, string outcome, string entityRoles)
    {
        using var browser = PatientClient.For(_factory);
        if (enrolFirst)
        {
            await EnrolAsync(_browser);
        }
        var wallet = new WalletOnTest(_wallet, browser);
        await wallet.StartAsync();
        _ = _factory.Services.GetRequiredService<IAuditTrail>(); // creates the recording trail, also when nothing was audited yet
        var before = _factory.Audit.Events.Count;

        if (wrongOrigin)
        {
            using var refused = await wallet.AnswerDigitalCredentialsAsync("https://attacker.example");
            Assert.False(refused.IsSuccessStatusCode, name);
        }
        else
        {
            var request = await wallet.RequestObjectAsync(_walletHttp);
            using var posted = await WalletOnTest.PostAsync(_walletHttp, request, wallet.Answer(request));
            Assert.True(posted.StatusCode == HttpStatusCode.OK, $"{name}: {await posted.Content.ReadAsStringAsync()}");
        }

        var added = _factory.Audit.Events.Skip(before).ToList();
        Assert.True(added.Count == 1, $"{name}: {added.Count} events: {string.Join("; ", added.Select(e => $"{e.Type.Code}/{e.Subtype.FirstOrDefault()?.Code}/{e.Action}/{e.OutcomeDesc}"))}");
        var auditEvent = added[0];
        Assert.Equal("110110", auditEvent.Type.Code);
        Assert.Equal(subtype, Assert.Single(auditEvent.Subtype).Code);
        Assert.Equal(action, auditEvent.Action.ToString());
        Assert.Equal(outcome, auditEvent.Outcome switch { AuditEvent.AuditEventOutcome.N0 => "0", AuditEvent.AuditEventOutcome.N4 => "4", var o => o.ToString() });
        Assert.Equal(entityRoles, string.Join(",", auditEvent.Entity.Select(e => e.Role?.Code ?? "-")));
    }

    private async System.Threading.Tasks.Task EnrolAsync(PatientClient browser)
    {
        var wallet = new WalletOnTest(_wallet, browser);
        await wallet.StartAsync();
        var request = await wallet.RequestObjectAsync(_walletHttp);
        using var posted = await WalletOnTest.PostAsync(_walletHttp, request, wallet.Answer(request));
        Assert.True(posted.StatusCode == HttpStatusCode.OK, await posted.Content.ReadAsStringAsync());
        using var authenticator = new SoftwareAuthenticator(_factory.Origin);
        using var registered = await wallet.RegisterPasskeyAsync(authenticator);
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
    }
}
