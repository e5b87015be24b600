using System.Net;
using System.Text;
using Identity.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Identity.Tests.Cluster;

/// <summary>The cluster's Redis (a server of the test's own) killed and started again under load.</summary>
[Collection(ClusterCollection.Name)]
public sealed class RedisOutageTests(ITestOutputHelper output) : IAsyncLifetime
{
    private RedisServer _redis = null!;
    private ClusterProcesses _cluster = null!;

    public async Task InitializeAsync()
    {
        _redis = new RedisServer();
        await _redis.StartAsync();
        _cluster = await ClusterProcesses.StartAsync(silos: 1, apis: 2, redis: _redis.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        output.WriteLine(_cluster.Diagnostics());
        await _cluster.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task Without_Redis_ceremonies_answer_503_the_rest_is_served_and_no_response_is_accepted_twice()
    {
        var (first, second) = (_cluster.ApiAddresses[0], _cluster.ApiAddresses[1]);
        using var owner = MixedLoad.NewClient();
        using var phone = new SoftwareAuthenticator(ClusterProcesses.Origin);
        var options = await MixedLoad.SendAsync(owner, HttpMethod.Post, first, "/api/passkeys/register/options", new { });
        var registered = await MixedLoad.SendAsync(owner, HttpMethod.Post, second, "/api/passkeys/register", phone.Create(options.Body));
        Assert.Equal(HttpStatusCode.Created, registered.Status);
        var beforeOutage = await CapturedSignInAsync(first, phone);
        var duringOutage = await CapturedSignInAsync(first, phone);
        Assert.Equal(HttpStatusCode.OK, (await beforeOutage.SendAsync(first)).Status);
        Assert.Equal("passkey_challenge_reused", MixedLoad.CodeOf((await beforeOutage.SendAsync(second)).Body));

        var load = new MixedLoad(_cluster.ApiAddresses, _cluster.Wallet, operations: 100, duration: TimeSpan.FromSeconds(16));
        var running = load.RunAsync();
        await Task.Delay(TimeSpan.FromSeconds(5));
        var killedAt = load.Elapsed;
        await _redis.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(1));

        var replayedDuring = await duringOutage.SendAsync(second);
        var renamed = await MixedLoad.SendAsync(owner, HttpMethod.Patch, second, $"/api/passkeys/{phone.CredentialIdText}", new { name = "during outage" });
        var listed = await MixedLoad.SendAsync(owner, HttpMethod.Get, first, "/api/passkeys");
        var readiness = await Task.WhenAll(_cluster.ApiAddresses.Select(api => MixedLoad.SendAsync(owner, HttpMethod.Get, api, "/health/ready")));
        await Task.Delay(TimeSpan.FromSeconds(3));

        await _redis.StartAsync();
        var restartedAt = load.Elapsed;
        await running;
        var replayedAfter = await duringOutage.SendAsync(first);
        var replayedBeforeOutageAfter = await beforeOutage.SendAsync(second);

        output.WriteLine($"Redis down {killedAt.TotalSeconds:0.0}–{restartedAt.TotalSeconds:0.0} s; {load.Summary()}");
        output.WriteLine($"replays: during {(int)replayedDuring.Status} {MixedLoad.CodeOf(replayedDuring.Body)}, after {(int)replayedAfter.Status} " +
            $"{MixedLoad.CodeOf(replayedAfter.Body)}, pre-outage response after {(int)replayedBeforeOutageAfter.Status} {MixedLoad.CodeOf(replayedBeforeOutageAfter.Body)}");
        var problems = await load.VerifyAsync();

        Assert.Equal((HttpStatusCode.ServiceUnavailable, "shared_state_unavailable"), (replayedDuring.Status, MixedLoad.CodeOf(replayedDuring.Body)));
        Assert.Equal(HttpStatusCode.NoContent, renamed.Status);
        Assert.Equal(HttpStatusCode.OK, listed.Status);
        Assert.All(readiness, ready => Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.Status));
        // Redis came back empty, so it cannot vouch for challenges issued before: refused, never accepted twice.
        Assert.Equal((HttpStatusCode.BadRequest, "passkey_ceremony_stale"), (replayedAfter.Status, MixedLoad.CodeOf(replayedAfter.Body)));
        Assert.Equal(HttpStatusCode.BadRequest, replayedBeforeOutageAfter.Status);
        Assert.True(problems.Count == 0, string.Join("\n", problems) + "\n" + load.Summary());
        var unclean = load.Failed.Where(a => a.Detail != "503 shared_state_unavailable").ToList();
        Assert.True(unclean.Count == 0, "failures other than 503 shared_state_unavailable: " + string.Join(", ", unclean.Select(a => $"{a.Operation} {a.Detail}")));
        Assert.Equal(0, load.Abandoned);
    }

    private async Task<CapturedResponse> CapturedSignInAsync(Uri api, SoftwareAuthenticator phone)
    {
        using var attacker = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(api, "/api/passkeys/sign-in/options"))
        {
            Content = new StringContent("{}", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Origin", ClusterProcesses.Origin);
        using var options = await attacker.SendAsync(request);
        options.EnsureSuccessStatusCode();
        var cookie = string.Join("; ", options.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
        return new CapturedResponse(cookie, phone.Get(await options.Content.ReadAsStringAsync()));
    }

    /// <summary>A sign-in response and its ceremony cookie, as an attacker who captured both would replay them.</summary>
    private sealed record CapturedResponse(string Cookie, string Assertion)
    {
        public async Task<(HttpStatusCode Status, string Body)> SendAsync(Uri api)
        {
            using var http = new HttpClient();
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(api, "/api/passkeys/sign-in"))
            {
                Content = new StringContent(Assertion, Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("Origin", ClusterProcesses.Origin);
            request.Headers.Add("Cookie", Cookie);
            using var response = await http.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }
    }
}
