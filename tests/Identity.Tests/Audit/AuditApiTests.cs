using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using Hl7.Fhir.Serialization;
using Identity.Tests.Infrastructure;
using Identity.Tests.Passkeys;

namespace Identity.Tests.Audit;

/// <summary>The patient's own access log and chain proof, and the audit.read search, read, verify and export.</summary>
public sealed class AuditApiTests(AuditReaderFactory factory) : IClassFixture<AuditReaderFactory>
{
    private static readonly FhirJsonDeserializer Fhir = new(new DeserializerSettings());

    [Fact]
    public async Task Patient_sees_their_own_access_log_as_a_FHIR_searchset_and_verifies_it()
    {
        var (client, phone, patient) = await SignedInPatientAsync();
        using (client)
        using (phone)
        {
            using var response = await client.Http.GetAsync("/fhir/AuditEvent?patient=me");

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/fhir+json", response.Content.Headers.ContentType?.MediaType);
            var bundle = Assert.IsType<Bundle>(Fhir.DeserializeResource(await response.Content.ReadAsStringAsync()));
            Assert.Equal(Bundle.BundleType.Searchset, bundle.Type);
            Assert.Equal(2, bundle.Total);
            var events = bundle.Entry.Select(e => Assert.IsType<AuditEvent>(e.Resource)).ToList();
            Assert.Equal(["110114", "110110"], events.Select(e => e.Type.Code));
            Assert.All(events, e => Assert.Contains(e.Entity, x => x.What?.Reference == $"Patient/{patient:D}"));

            var proof = await client.Http.GetFromJsonAsync<JsonElement>("/audit/verify?patient=me");
            Assert.True(proof.GetProperty("intact").GetBoolean());
            var chain = proof.GetProperty("chains")[0];
            Assert.Equal($"Patient/{patient:D}", chain.GetProperty("chain").GetString());
            Assert.Equal(2, chain.GetProperty("entries").GetInt64());
            Assert.Equal(64, chain.GetProperty("headHash").GetString()!.Length);

            var page = await client.Http.GetStringAsync("/account/activity");
            Assert.Contains("id=\"activity-rows\"", page, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Patients_cannot_read_or_verify_other_chains_and_strangers_nothing()
    {
        var (client, phone, _) = await SignedInPatientAsync();
        using (client)
        using (phone)
        {
            using var other = await client.Http.GetAsync($"/fhir/AuditEvent?patient={Guid.NewGuid():D}");
            await AssertOutcome(other, HttpStatusCode.Forbidden, "forbidden");
            using var all = await client.Http.GetAsync("/audit/verify");
            await PasskeyHttpTests.AssertProblem(all, HttpStatusCode.Forbidden, "audit_read_required");
            using var export = await client.Http.GetAsync("/audit/export?from=2020-01-01&to=2100-01-01");
            await PasskeyHttpTests.AssertProblem(export, HttpStatusCode.Forbidden, "audit_read_required");
        }
        using var stranger = factory.CreateClient();
        using var mine = await stranger.GetAsync("/fhir/AuditEvent?patient=me");
        await AssertOutcome(mine, HttpStatusCode.Unauthorized, "login");
        using var search = await stranger.GetAsync("/fhir/AuditEvent?outcome=4");
        await AssertOutcome(search, HttpStatusCode.Unauthorized, "login");
        using var verify = await stranger.GetAsync("/audit/verify?patient=me");
        await PasskeyHttpTests.AssertProblem(verify, HttpStatusCode.Unauthorized, "authentication_required");
    }

    [Fact]
    public async Task Compliance_client_searches_pages_reads_verifies_and_exports_and_each_read_is_audited()
    {
        var (client, phone, patient) = await SignedInPatientAsync();
        using var patientClient = client;
        using var patientPhone = phone;
        using var unknown = new SoftwareAuthenticator(factory.Origin);
        using (var failed = await client.SignInAsync(unknown))
        {
            Assert.Equal(HttpStatusCode.BadRequest, failed.StatusCode);
        }
        using var compliance = factory.ComplianceClient();

        var firstPage = await SearchAsync(compliance, $"/fhir/AuditEvent?patient={patient:D}&_count=1");
        Assert.Equal(3, firstPage.Total); // account created, signed in, and this search (audited before it runs)
        Assert.Single(firstPage.Entry);
        var next = firstPage.Link.Single(l => l.Relation == "next").Url!;
        var secondPage = await SearchAsync(compliance, next);
        Assert.Single(secondPage.Entry);
        Assert.NotEqual(firstPage.Entry[0].Resource!.Id, secondPage.Entry[0].Resource!.Id);

        var failures = await SearchAsync(compliance, "/fhir/AuditEvent?outcome=4&type=110114&date=ge2020-01-01&entity-type=2");
        Assert.NotEmpty(failures.Entry);
        Assert.All(failures.Entry, e => Assert.Equal(AuditEvent.AuditEventOutcome.N4, Assert.IsType<AuditEvent>(e.Resource).Outcome));
        var byAgent = await SearchAsync(compliance, $"/fhir/AuditEvent?agent=Patient/{patient:D}&action=E&purpose=PATRQT");
        Assert.Single(byAgent.Entry);

        var id = firstPage.Entry[0].Resource!.Id;
        var read = Assert.IsType<AuditEvent>(Fhir.DeserializeResource(await compliance.GetStringAsync($"/fhir/AuditEvent/{id}")));
        Assert.Equal(id, read.Id);

        var verified = await compliance.GetFromJsonAsync<JsonElement>("/audit/verify");
        Assert.True(verified.GetProperty("intact").GetBoolean());

        using var export = await compliance.GetAsync($"/audit/export?from=2020-01-01&to={DateTimeOffset.UtcNow.AddDays(1):yyyy-MM-dd}");
        Assert.Equal("application/fhir+ndjson", export.Content.Headers.ContentType?.MediaType);
        var lines = (await export.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, line => Assert.IsType<AuditEvent>(Fhir.DeserializeResource(line)));

        // The patient sees that compliance looked at their log.
        var ownLog = await SearchAsync(client, "/fhir/AuditEvent?patient=me&type=110101");
        Assert.NotEmpty(ownLog.Entry);
        Assert.All(ownLog.Entry, e => Assert.Equal("compliance-console", Assert.IsType<AuditEvent>(e.Resource).Agent[0].Who?.Identifier?.Value));

        using var bad = await compliance.GetAsync("/fhir/AuditEvent?date=yesterday");
        await AssertOutcome(bad, HttpStatusCode.BadRequest, "invalid");
    }

    [Fact]
    public async Task Logs_of_audited_operations_hold_no_personal_data()
    {
        const string nickname = "Alice Quintessa Example";
        using var client = PatientClient.For(factory);
        using var phone = new SoftwareAuthenticator(factory.Origin);
        using (await client.PostJsonAsync("/api/passkeys/register",
                   phone.Create(await client.OptionsAsync("/api/passkeys/register/options", new { nickname })))) { }
        using (await client.SignInAsync(phone)) { }
        using (await client.Http.GetAsync("/fhir/AuditEvent?patient=me")) { }

        Assert.All(factory.Logs.Messages, message =>
        {
            Assert.DoesNotContain("Quintessa", message, StringComparison.Ordinal);
            Assert.DoesNotContain(phone.CredentialIdText, message, StringComparison.Ordinal);
        });
    }

    private async Task<(PatientClient Client, SoftwareAuthenticator Phone, Guid Patient)> SignedInPatientAsync()
    {
        var client = PatientClient.For(factory);
        var phone = new SoftwareAuthenticator(factory.Origin);
        using (var registered = await client.RegisterAsync(phone))
        {
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        }
        using (await client.PostJsonAsync("/api/account/sign-out", "{}")) { }
        using (var signedIn = await client.SignInAsync(phone))
        {
            Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
        }
        return (client, phone, Guid.Parse(phone.UserHandle!));
    }

    private static Task<Bundle> SearchAsync(PatientClient client, string url) => SearchAsync(client.Http, url);

    private static async Task<Bundle> SearchAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{url}: {(int)response.StatusCode} {text}");
        return Assert.IsType<Bundle>(Fhir.DeserializeResource(text));
    }

    private static async Task AssertOutcome(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/fhir+json", response.Content.Headers.ContentType?.MediaType);
        var outcome = Assert.IsType<OperationOutcome>(Fhir.DeserializeResource(await response.Content.ReadAsStringAsync()));
        Assert.Equal(code, outcome.Issue.Single().Code?.ToString().ToLowerInvariant());
    }
}
