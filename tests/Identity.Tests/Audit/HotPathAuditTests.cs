using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Identity.Api.Audit;
using Identity.Grains.Audit;
using Identity.Tests.Consent;
using Identity.Tests.Passkeys;
using Identity.Tests.Tokens;
using Microsoft.Extensions.DependencyInjection;

namespace Identity.Tests.Audit;

/// <summary>
/// Introspection, consent decisions (not break-the-glass) and client_credentials tokens answer without waiting for their audit commit, yet every
/// event they answered is stored; while the store is failing they wait and answer 503 like every audited operation.
/// </summary>
public sealed class HotPathAuditTests
{
    [Fact]
    public async Task Hot_paths_answer_while_the_store_is_locked_and_their_events_are_stored_once_it_is_back()
    {
        await using var factory = new ConsentTestFactory();
        factory.Settings["Audit:TimeoutSeconds"] = "1";
        using var flow = new OAuthFlow(factory);
        var token = await ConsentHttp.ClientTokenAsync(flow, OAuthFlow.DemoNetwork, OAuthFlow.DemoNetworkSecret, "consent.decide");
        var store = factory.Services.GetRequiredService<AuditStore>();
        var patient = Guid.NewGuid();
        var before = await TotalAsync(store);

        await using (var holder = await AuditStoreLock.TakeAsync(factory))
        {
            // Answered at once although nothing can be committed: the events wait in the queue.
            Assert.True((await flow.IntrospectAsync(token)).GetProperty("active").GetBoolean());
            var (status, decision) = await DecideAsync(flow, token, patient, "TREAT");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("NO_CONSENT", decision.GetProperty("decision").GetString());
            var issued = await ConsentHttp.ClientTokenAsync(flow, OAuthFlow.DemoNetwork, OAuthFlow.DemoNetworkSecret, "consent.decide");
            Assert.NotEqual(token, issued);

            // Break-the-glass always waits for its commit, so it is refused while the store is locked.
            var (glass, problem) = await DecideAsync(flow, token, patient, "BTG", "unconscious patient in the emergency department");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, glass);
            Assert.Equal("audit_unavailable", problem.GetProperty("code").GetString());

            // Once a commit failed, hot paths wait too: nothing more is answered without its audit event.
            using var refused = await IntrospectionAsync(flow, token);
            await PasskeyHttpTests.AssertProblem(refused, HttpStatusCode.ServiceUnavailable, "audit_unavailable");
            Assert.True(store.Behind > 0);

            await holder.ReleaseAsync();
        }

        // The three answered events are committed by the retry; the refused ones never were.
        for (var waited = 0; store.Behind > 0 && waited < 150; waited++)
        {
            await Task.Delay(100);
        }
        Assert.Equal(before + 3, await TotalAsync(store));
        Assert.Equal(0, store.Behind);
        var chain = await store.VerifyAsync(patient, default);
        Assert.True(chain.Intact);
        Assert.Equal(1, chain.Entries);
        Assert.True((await store.VerifyAsync(AuditChains.System, default)).Intact);

        // Healthy again: hot paths answer without waiting.
        Assert.True((await flow.IntrospectAsync(token)).GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task With_HotPaths_Committed_introspection_waits_for_its_commit()
    {
        await using var factory = new ConsentTestFactory();
        factory.Settings["Audit:TimeoutSeconds"] = "1";
        factory.Settings["Audit:HotPaths"] = "Committed";
        using var flow = new OAuthFlow(factory);
        var token = await ConsentHttp.ClientTokenAsync(flow, OAuthFlow.DemoNetwork, OAuthFlow.DemoNetworkSecret, "consent.decide");

        await using var holder = await AuditStoreLock.TakeAsync(factory);
        using var refused = await IntrospectionAsync(flow, token);
        await PasskeyHttpTests.AssertProblem(refused, HttpStatusCode.ServiceUnavailable, "audit_unavailable");
        var (status, _) = await DecideAsync(flow, token, Guid.NewGuid(), "TREAT");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
    }

    [Theory]
    [MemberData(nameof(AuditStoreTests.Stores), MemberType = typeof(AuditStoreTests))]
    public async Task Write_behind_events_are_all_committed_in_their_chains_by_the_time_the_store_is_disposed(string kind)
    {
        await using var target = await AuditStoreTarget.CreateAsync(kind);
        var writer = target.NewStore();
        var patients = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid()).ToArray();
        var now = DateTimeOffset.UtcNow;
        string Event(Guid patient, int i) => AuditEventJson.Serialize(BalpAuditEvents.SignIn(new AuditContext("test", "192.0.2.1", now), patient, [(byte)i], null));

        // Before its schema is installed the store cannot take an event it will not wait for.
        Assert.False(writer.TryAppendBehind(() => Event(patients[0], 0), now));
        await writer.EnsureSchemaAsync(default);
        await Task.WhenAll(patients.Select(patient => Task.Run(() =>
        {
            for (var i = 0; i < 100; i++)
            {
                var index = i;
                Assert.True(writer.TryAppendBehind(() => Event(patient, index), now));
            }
        })));
        await writer.DisposeAsync();

        foreach (var patient in patients)
        {
            var report = await target.Store.VerifyAsync(patient, default);
            Assert.True(report.Intact, report.FirstBreak?.Message);
            Assert.Equal(100, report.Entries);
        }
    }

    [Fact]
    public async Task A_write_behind_event_that_cannot_be_serialized_is_dropped_without_stopping_the_others()
    {
        await using var target = await AuditStoreTarget.CreateAsync("sqlite");
        await target.Store.EnsureSchemaAsync(default);
        var patient = Guid.NewGuid();
        var now = DateTimeOffset.UtcNow;

        Assert.True(target.Store.TryAppendBehind(() => "not an AuditEvent", now));
        Assert.True(target.Store.TryAppendBehind(() => throw new InvalidOperationException("broken event"), now));
        Assert.True(target.Store.TryAppendBehind(() => AuditEventJson.Serialize(BalpAuditEvents.SignIn(new AuditContext("test", "192.0.2.1", now), patient, [1], null)), now));

        var report = await target.Store.VerifyAsync(patient, default);
        Assert.Equal(1, report.Entries);
        Assert.Equal(0, target.Store.Behind);
    }

    private static async Task<long> TotalAsync(AuditStore store) =>
        (await store.SearchAsync(new AuditEventQuery { Count = 0 }, default)).Total;

    private static async Task<(HttpStatusCode Status, JsonElement Body)> DecideAsync(OAuthFlow flow, string token, Guid patient, string purpose, string? reason = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/consent/decide")
        {
            Content = JsonContent.Create(new { patient = $"Patient/{patient:D}", actor = "Organization/demo-network", purposeOfUse = purpose, time = DateTimeOffset.UtcNow, reason }),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var response = await flow.Backchannel.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    private static async Task<HttpResponseMessage> IntrospectionAsync(OAuthFlow flow, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/connect/introspect") { Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token }) };
        request.Headers.Authorization = OAuthFlow.Basic(OAuthFlow.DemoNetwork, OAuthFlow.DemoNetworkSecret);
        return await flow.Backchannel.SendAsync(request);
    }
}
