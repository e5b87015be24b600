using System.Net;
using System.Text.Json.Nodes;
using Identity.Grains.Consent;
using Identity.Tests.Tokens;
using Microsoft.Extensions.DependencyInjection;
using static Identity.Tests.Consent.ConsentHttp;

namespace Identity.Tests.Consent;

/// <summary>/fhir/Consent and /fhir/metadata over HTTP: vectors, refusals, versions, search, who may do what.</summary>
public sealed class ConsentFhirApiTests(ConsentTestFactory factory) : IClassFixture<ConsentTestFactory>
{
    public static TheoryData<string> ValidFiles() => [.. ConsentVectors.ValidFiles()];

    public static TheoryData<string> InvalidFiles() => [.. ConsentVectors.InvalidCases().Select(c => c.File)];

    [Theory]
    [MemberData(nameof(ValidFiles))]
    public async Task Valid_vector_is_created_and_read_back_unchanged(string file)
    {
        using var flow = new OAuthFlow(factory);
        var patient = await flow.RegisterPatientAsync(verified: false);
        var json = ConsentVectors.ForPatient(ConsentVectors.Valid(file), patient);

        var (status, created, response) = await SendAsync(flow.Browser.Http, HttpMethod.Post, "/fhir/Consent", json);
        Assert.True(status == HttpStatusCode.Created, created.ToString());
        Assert.Equal("W/\"1\"", response.Headers.ETag!.ToString());
        Assert.Equal(FhirJson, response.Content.Headers.ContentType!.MediaType);
        var id = created.GetProperty("id").GetString()!;
        var (_, read, _) = await SendAsync(flow.Browser.Http, HttpMethod.Get, $"/fhir/Consent/{id}");

        Assert.True(JsonNode.DeepEquals(WithoutServerFields(JsonNode.Parse(json)!), WithoutServerFields(JsonNode.Parse(read.GetRawText())!)), $"{file} changed on the way");
    }

    [Theory]
    [MemberData(nameof(InvalidFiles))]
    public async Task Invalid_vector_is_refused_as_the_manifest_says_and_nothing_is_stored(string file)
    {
        var expected = ConsentVectors.InvalidCases().Single(c => c.File == file);
        using var flow = new OAuthFlow(factory);
        var patient = await flow.RegisterPatientAsync(verified: false);
        var body = await File.ReadAllTextAsync(ConsentVectors.Invalid(file));
        if (expected.Status != 413 && body.Contains("\"patient\"", StringComparison.Ordinal) && expected.ErrorClass is "invariant-violation")
        {
            body = body.Replace("Patient/pat-001", $"Patient/{patient:D}", StringComparison.Ordinal);
        }

        var (status, outcome, response) = await SendAsync(flow.Browser.Http, HttpMethod.Post, "/fhir/Consent", body);

        Assert.Equal((HttpStatusCode)expected.Status, status);
        Assert.Equal("OperationOutcome", outcome.GetProperty("resourceType").GetString());
        Assert.Equal(expected.IssueCode, IssueCode(outcome));
        Assert.DoesNotContain("<script", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.Empty(await factory.Services.GetRequiredService<IGrainFactory>().GetGrain<IPatientConsentGrain>(patient).HistoryAsync());
    }

    [Fact]
    public async Task Update_needs_the_current_etag_and_every_version_stays_readable()
    {
        using var flow = new OAuthFlow(factory);
        var patient = await flow.RegisterPatientAsync(verified: false);
        var json = ConsentVectors.ForPatient(ConsentVectors.Valid("svc-permit-network-treat.json"), patient);
        var (_, created, _) = await SendAsync(flow.Browser.Http, HttpMethod.Post, "/fhir/Consent", json);
        var id = created.GetProperty("id").GetString()!;
        var withdrawn = JsonNode.Parse(created.GetRawText())!;
        withdrawn["status"] = "inactive";

        var missing = await SendAsync(flow.Browser.Http, HttpMethod.Put, $"/fhir/Consent/{id}", withdrawn.ToJsonString());
        var stale = await SendAsync(flow.Browser.Http, HttpMethod.Put, $"/fhir/Consent/{id}", withdrawn.ToJsonString(), "W/\"5\"");
        var updated = await SendAsync(flow.Browser.Http, HttpMethod.Put, $"/fhir/Consent/{id}", withdrawn.ToJsonString(), "W/\"1\"");
        var again = await SendAsync(flow.Browser.Http, HttpMethod.Put, $"/fhir/Consent/{id}", withdrawn.ToJsonString(), "W/\"1\"");

        Assert.Equal(HttpStatusCode.PreconditionRequired, missing.Status);
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.Status);
        Assert.Equal("conflict", IssueCode(stale.Body));
        Assert.Equal(HttpStatusCode.OK, updated.Status);
        Assert.Equal("W/\"2\"", updated.Response.Headers.ETag!.ToString());
        Assert.Equal(HttpStatusCode.PreconditionFailed, again.Status);
        var v1 = await SendAsync(flow.Browser.Http, HttpMethod.Get, $"/fhir/Consent/{id}/_history/1");
        var v2 = await SendAsync(flow.Browser.Http, HttpMethod.Get, $"/fhir/Consent/{id}/_history/2");
        var history = await SendAsync(flow.Browser.Http, HttpMethod.Get, $"/fhir/Consent/{id}/_history");
        Assert.Equal(("active", "inactive"), (v1.Body.GetProperty("status").GetString(), v2.Body.GetProperty("status").GetString()));
        Assert.Equal(("history", 2), (history.Body.GetProperty("type").GetString(), history.Body.GetProperty("total").GetInt32()));
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(flow.Browser.Http, HttpMethod.Get, $"/fhir/Consent/{id}/_history/3")).Status);
    }

    [Fact]
    public async Task Search_filters_by_status_actor_purpose_and_date()
    {
        using var flow = new OAuthFlow(factory);
        var patient = await flow.RegisterPatientAsync(verified: false);
        foreach (var file in new[] { "svc-permit-network-treat.json", "svc-deny-clinic-b.json", "svc-permit-inactive.json", "svc-deny-except-btg.json" })
        {
            var (status, body, _) = await SendAsync(flow.Browser.Http, HttpMethod.Post, "/fhir/Consent", ConsentVectors.ForPatient(ConsentVectors.Valid(file), patient));
            Assert.True(status == HttpStatusCode.Created, body.ToString());
        }

        async Task<int> CountAsync(string query) =>
            (await SendAsync(flow.Browser.Http, HttpMethod.Get, $"/fhir/Consent?patient=Patient/{patient:D}&{query}")).Body.GetProperty("total").GetInt32();

        Assert.Equal(4, await CountAsync("_count=10"));
        Assert.Equal(3, await CountAsync("status=active"));
        Assert.Equal(1, await CountAsync("status=inactive"));
        Assert.Equal(1, await CountAsync("actor=Organization/clinic-b"));
        Assert.Equal(1, await CountAsync("purpose=BTG"));
        Assert.Equal(2, await CountAsync("purpose=http://terminology.hl7.org/CodeSystem/v3-ActReason|TREAT"));
        Assert.Equal(4, await CountAsync("date=ge2025-01-01"));
        Assert.Equal(0, await CountAsync("date=lt2020-01-01"));
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(flow.Browser.Http, HttpMethod.Get, "/fhir/Consent?subject=x")).Status);
    }

    [Fact]
    public async Task Search_results_are_paged_with_next_and_previous_links()
    {
        using var flow = new OAuthFlow(factory);
        var patient = await flow.RegisterPatientAsync(verified: false);
        foreach (var file in new[] { "svc-permit-network-treat.json", "svc-deny-clinic-b.json", "svc-permit-inactive.json", "svc-deny-except-btg.json" })
        {
            var (status, body, _) = await SendAsync(flow.Browser.Http, HttpMethod.Post, "/fhir/Consent", ConsentVectors.ForPatient(ConsentVectors.Valid(file), patient));
            Assert.True(status == HttpStatusCode.Created, body.ToString());
        }

        var (firstStatus, first, _) = await SendAsync(flow.Browser.Http, HttpMethod.Get, $"/fhir/Consent?patient=Patient/{patient:D}&_count=3");
        Assert.True(firstStatus == HttpStatusCode.OK, first.ToString());
        var firstLinks = Links(first);
        Assert.Equal((4, 3), (first.GetProperty("total").GetInt32(), first.GetProperty("entry").GetArrayLength()));
        Assert.Equal(["self", "first", "next"], firstLinks.Keys.ToArray());
        Assert.Contains($"patient=Patient%2F{patient:D}", firstLinks["next"], StringComparison.Ordinal);
        Assert.EndsWith("_count=3&_offset=3", firstLinks["next"], StringComparison.Ordinal);

        var (_, second, _) = await SendAsync(flow.Browser.Http, HttpMethod.Get, new Uri(firstLinks["next"]).PathAndQuery);
        var secondLinks = Links(second);
        Assert.Equal(1, second.GetProperty("entry").GetArrayLength());
        Assert.Equal(["self", "first", "previous"], secondLinks.Keys.ToArray());
        Assert.EndsWith("_count=3&_offset=0", secondLinks["previous"], StringComparison.Ordinal);
        var ids = first.GetProperty("entry").EnumerateArray().Concat(second.GetProperty("entry").EnumerateArray())
            .Select(e => e.GetProperty("resource").GetProperty("id").GetString()).ToHashSet();
        Assert.Equal(4, ids.Count);

        var (_, totalOnly, _) = await SendAsync(flow.Browser.Http, HttpMethod.Get, $"/fhir/Consent?patient=Patient/{patient:D}&_count=0");
        Assert.Equal(4, totalOnly.GetProperty("total").GetInt32());
        Assert.False(totalOnly.TryGetProperty("entry", out _));
        Assert.Equal(["self", "first"], Links(totalOnly).Keys.ToArray());
        var (badOffset, outcome, _) = await SendAsync(flow.Browser.Http, HttpMethod.Get, $"/fhir/Consent?patient=Patient/{patient:D}&_offset=-1");
        Assert.Equal(HttpStatusCode.BadRequest, badOffset);
        Assert.Equal("OperationOutcome", outcome.GetProperty("resourceType").GetString());
    }

    [Fact]
    public async Task Type_level_history_lists_every_version_the_caller_may_read_newest_first()
    {
        using var owner = new OAuthFlow(factory);
        using var other = new OAuthFlow(factory);
        var patient = await owner.RegisterPatientAsync(verified: false);
        var otherPatient = await other.RegisterPatientAsync(verified: false);
        var (_, created, _) = await SendAsync(owner.Browser.Http, HttpMethod.Post, "/fhir/Consent",
            ConsentVectors.ForPatient(ConsentVectors.Valid("svc-permit-network-treat.json"), patient));
        var changed = JsonNode.Parse(created.GetRawText())!;
        changed["status"] = "inactive";
        var (updated, _, _) = await SendAsync(owner.Browser.Http, HttpMethod.Put, $"/fhir/Consent/{created.GetProperty("id").GetString()}", changed.ToJsonString(), "W/\"1\"");
        Assert.Equal(HttpStatusCode.OK, updated);
        await SendAsync(owner.Browser.Http, HttpMethod.Post, "/fhir/Consent", ConsentVectors.ForPatient(ConsentVectors.Valid("svc-deny-clinic-b.json"), patient));
        await SendAsync(other.Browser.Http, HttpMethod.Post, "/fhir/Consent", ConsentVectors.ForPatient(ConsentVectors.Valid("svc-deny-clinic-b.json"), otherPatient));

        var (status, history, _) = await SendAsync(owner.Browser.Http, HttpMethod.Get, "/fhir/Consent/_history?_count=2");

        Assert.True(status == HttpStatusCode.OK, history.ToString());
        Assert.Equal(("history", 3), (history.GetProperty("type").GetString(), history.GetProperty("total").GetInt32()));
        var entries = history.GetProperty("entry").EnumerateArray().ToList();
        Assert.Equal(2, entries.Count);
        Assert.All(entries, e => Assert.Equal($"Patient/{patient:D}", e.GetProperty("resource").GetProperty("patient").GetProperty("reference").GetString()));
        var times = entries.Select(e => e.GetProperty("response").GetProperty("lastModified").GetDateTimeOffset()).ToList();
        Assert.True(times[0] >= times[1]);
        var next = Links(history)["next"];
        Assert.StartsWith("http://localhost/fhir/Consent/_history?", next, StringComparison.Ordinal);
        var (_, rest, _) = await SendAsync(owner.Browser.Http, HttpMethod.Get, new Uri(next).PathAndQuery);
        Assert.Equal(1, rest.GetProperty("entry").GetArrayLength());

        var (_, others, _) = await SendAsync(other.Browser.Http, HttpMethod.Get, "/fhir/Consent/_history");
        Assert.Equal(1, others.GetProperty("total").GetInt32());
        var compliance = await ClientTokenAsync(owner, ConsentTestFactory.Compliance, ConsentTestFactory.ComplianceSecret, "system/Consent.rs");
        var (_, everyone, _) = await SendAsync(owner.Backchannel, HttpMethod.Get, "/fhir/Consent/_history?_count=500", bearer: compliance);
        var patients = everyone.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("resource").GetProperty("patient").GetProperty("reference").GetString()).ToHashSet();
        Assert.Contains($"Patient/{patient:D}", patients);
        Assert.Contains($"Patient/{otherPatient:D}", patients);
        var future = DateTimeOffset.UtcNow.AddDays(1).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(0, (await SendAsync(owner.Browser.Http, HttpMethod.Get, $"/fhir/Consent/_history?_since={future}")).Body.GetProperty("total").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(owner.Browser.Http, HttpMethod.Get, "/fhir/Consent/_history?patient=x")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(owner.Browser.Http, HttpMethod.Get, "/fhir/Consent/_history?_since=yesterday")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(owner.Backchannel, HttpMethod.Get, "/fhir/Consent/_history")).Status);
    }

    [Fact]
    public async Task Compliance_search_across_patients_is_counted_and_paged_by_the_projection()
    {
        using var first = new OAuthFlow(factory);
        using var second = new OAuthFlow(factory);
        var actor = $"Organization/{Guid.NewGuid():N}";
        await first.RegisterPatientAsync(verified: false);
        await second.RegisterPatientAsync(verified: false);
        var created = new List<string>();
        foreach (var (flow, file) in new[] { (first, "svc-permit-network-treat.json"), (first, "svc-permit-inactive.json"), (second, "svc-permit-network-treat.json") })
        {
            var json = ConsentVectors.ForPatient(ConsentVectors.Valid(file), flow.PatientId)
                .Replace("Organization/network-a", actor, StringComparison.Ordinal).Replace("Organization/clinic-c", actor, StringComparison.Ordinal);
            var (status, body, _) = await SendAsync(flow.Browser.Http, HttpMethod.Post, "/fhir/Consent", json);
            Assert.True(status == HttpStatusCode.Created, body.ToString());
            created.Add(body.GetProperty("id").GetString()!);
        }
        var compliance = await ClientTokenAsync(first, ConsentTestFactory.Compliance, ConsentTestFactory.ComplianceSecret, "system/Consent.rs");

        var (status1, page1, _) = await SendAsync(first.Backchannel, HttpMethod.Get, $"/fhir/Consent?actor={actor}&_count=2", bearer: compliance);
        var (_, page2, _) = await SendAsync(first.Backchannel, HttpMethod.Get, new Uri(Links(page1)["next"]).PathAndQuery, bearer: compliance);
        var (_, active, _) = await SendAsync(first.Backchannel, HttpMethod.Get, $"/fhir/Consent?actor={actor}&status=active", bearer: compliance);
        var (hostileStatus, hostile, _) = await SendAsync(first.Backchannel, HttpMethod.Get,
            "/fhir/Consent?actor=x%27%20OR%20%271%27%3D%271&status=active%27)%3B%20DROP%20TABLE%20consent_projection%3B--", bearer: compliance);

        Assert.True(status1 == HttpStatusCode.OK, page1.ToString());
        Assert.Equal((3, 2), (page1.GetProperty("total").GetInt32(), page1.GetProperty("entry").GetArrayLength()));
        Assert.Equal((3, 1), (page2.GetProperty("total").GetInt32(), page2.GetProperty("entry").GetArrayLength()));
        Assert.Equal(created, page1.GetProperty("entry").EnumerateArray().Concat(page2.GetProperty("entry").EnumerateArray())
            .Select(e => e.GetProperty("resource").GetProperty("id").GetString()));
        Assert.Equal(2, active.GetProperty("total").GetInt32());
        Assert.Equal((HttpStatusCode.OK, 0), (hostileStatus, hostile.GetProperty("total").GetInt32()));
        Assert.Equal(2, (await SendAsync(first.Backchannel, HttpMethod.Get, $"/fhir/Consent?actor={actor}&status=active", bearer: compliance)).Body.GetProperty("total").GetInt32());
    }

    private static Dictionary<string, string> Links(System.Text.Json.JsonElement bundle) =>
        bundle.GetProperty("link").EnumerateArray().ToDictionary(l => l.GetProperty("relation").GetString()!, l => l.GetProperty("url").GetString()!);

    [Fact]
    public async Task Patients_see_only_their_own_consents_and_compliance_reads_all()
    {
        using var owner = new OAuthFlow(factory);
        using var other = new OAuthFlow(factory);
        var patient = await owner.RegisterPatientAsync(verified: false);
        await other.RegisterPatientAsync(verified: false);
        var json = ConsentVectors.ForPatient(ConsentVectors.Valid("svc-deny-clinic-b.json"), patient);
        var (_, created, _) = await SendAsync(owner.Browser.Http, HttpMethod.Post, "/fhir/Consent", json);
        var id = created.GetProperty("id").GetString()!;
        var compliance = await ClientTokenAsync(owner, ConsentTestFactory.Compliance, ConsentTestFactory.ComplianceSecret, "system/Consent.rs");

        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(other.Browser.Http, HttpMethod.Get, $"/fhir/Consent/{id}")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(other.Browser.Http, HttpMethod.Post, "/fhir/Consent", json)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(other.Browser.Http, HttpMethod.Get, $"/fhir/Consent?patient=Patient/{patient:D}")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(owner.Backchannel, HttpMethod.Get, $"/fhir/Consent/{id}")).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(owner.Backchannel, HttpMethod.Get, $"/fhir/Consent/{id}", bearer: compliance)).Status);
        Assert.Equal(1, (await SendAsync(owner.Backchannel, HttpMethod.Get, $"/fhir/Consent?patient={patient:D}", bearer: compliance)).Body.GetProperty("total").GetInt32());
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(owner.Backchannel, HttpMethod.Post, "/fhir/Consent", json, bearer: compliance)).Status);
    }

    [Fact]
    public async Task Metadata_describes_consent_and_the_audit_trail_that_is_served()
    {
        using var flow = new OAuthFlow(factory);

        var (status, capability, response) = await SendAsync(flow.Backchannel, HttpMethod.Get, "/fhir/metadata");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(FhirJson, response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("4.0.1", capability.GetProperty("fhirVersion").GetString());
        var resources = capability.GetProperty("rest")[0].GetProperty("resource").EnumerateArray().ToDictionary(r => r.GetProperty("type").GetString()!);
        Assert.Equal(["patient", "status", "actor", "purpose", "date"],
            resources["Consent"].GetProperty("searchParam").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.Equal("versioned-update", resources["Consent"].GetProperty("versioning").GetString());
        Assert.Equal(["read", "vread", "create", "update", "search-type", "history-instance", "history-type"],
            resources["Consent"].GetProperty("interaction").EnumerateArray().Select(i => i.GetProperty("code").GetString()));
        Assert.True(resources.ContainsKey("AuditEvent"));
    }

    private static JsonNode WithoutServerFields(JsonNode node)
    {
        var copy = node.DeepClone().AsObject();
        copy.Remove("id");
        if (copy["meta"] is JsonObject meta)
        {
            meta.Remove("versionId");
            meta.Remove("lastUpdated");
            if (meta.Count == 0)
            {
                copy.Remove("meta");
            }
        }
        return copy;
    }
}
