using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Identity.Grains.Consent;
using Identity.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Identity.Bench;

/// <summary>
/// The consent decision for a patient with 20 consents (all active; 5 kinds × 4 actors): the pure engine, and
/// <c>POST /consent/decide</c> through the whole service in process (bearer validation against the token store, one grain
/// call, the AuthZconsent audit append, JSON), 16 requests in flight. The HTTP benchmark prints p50/p99 and req/s of all
/// requests it sent when it ends.
/// </summary>
// In process: the service under test is hosted by this process (WebApplicationFactory), like the short-run job otherwise.
[InProcess, WarmupCount(3), IterationCount(3), MemoryDiagnoser]
public class ConsentDecisionBenchmarks
{
    private const int InFlight = 16;

    private readonly ConcurrentBag<double> _latencies = [];
    private ConsentRule[] _rules = [];
    private ConsentDecisionRequest _request = null!;
    private WebApplicationFactory<global::Program>? _service;
    private HttpClient _http = null!;
    private string _body = "";
    private long _elapsedTicks;
    private int _sent;

    [GlobalSetup(Target = nameof(Engine))]
    public void SetupEngine()
    {
        var patient = Guid.NewGuid();
        _rules = [.. DecisionWorkload.Consents(patient).Select((json, i) => ConsentRule.From(ConsentResourceReader.Read(json).Consent!, 1) with { ConsentId = $"c{i}" })];
        _request = Request(patient);
    }

    [Benchmark]
    public ConsentDecision Engine() => ConsentDecisionEngine.Decide(_rules, _request);

    [GlobalSetup(Target = nameof(DecideOverHttp))]
    public void SetupHttp()
    {
        var data = Directory.CreateTempSubdirectory("consent-bench-").FullName;
        Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_IDENTITY_API", DecisionWorkload.FindAbove(Path.Combine("src", "Identity.Api")));
        _service = new WebApplicationFactory<global::Program>().WithWebHostBuilder(host => host
            .UseEnvironment("Development")
            .UseSetting("ConnectionStrings:Sqlite", $"Data Source={Path.Combine(data, "identity.db")}")
            .UseSetting("DataProtection:KeysDirectory", Path.Combine(data, "keys"))
            .UseSetting("Orleans:SiloPort", "21111").UseSetting("Orleans:GatewayPort", "40000"));
        _http = _service.CreateClient();
        var patient = Guid.NewGuid();
        var grains = _service.Services.GetRequiredService<IGrainFactory>();
        foreach (var json in DecisionWorkload.Consents(patient))
        {
            grains.GetGrain<IPatientConsentGrain>(patient).CreateAsync(Guid.NewGuid().ToString("D"), json, "bench").GetAwaiter().GetResult();
        }
        using var tokenRequest = new HttpRequestMessage(HttpMethod.Post, "/connect/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = "consent.decide" }),
        };
        tokenRequest.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String("demo-network:demo-network-secret-Zp3s9V1qK7xW2mB8nR4tY6uH0jL5cF"u8.ToArray()));
        using var tokenResponse = _http.SendAsync(tokenRequest).GetAwaiter().GetResult();
        var token = tokenResponse.Content.ReadFromJsonAsync<JsonElement>().GetAwaiter().GetResult().GetProperty("access_token").GetString();
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        _body = DecisionWorkload.Question(patient);
    }

    [Benchmark(OperationsPerInvoke = InFlight)]
    public async Task DecideOverHttp()
    {
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, InFlight).Select(async _ =>
        {
            var begin = Stopwatch.GetTimestamp();
            using var response = await _http.PostAsync("/consent/decide", new StringContent(_body, System.Text.Encoding.UTF8, "application/json"));
            response.EnsureSuccessStatusCode();
            _latencies.Add(Stopwatch.GetElapsedTime(begin).TotalMilliseconds);
        }));
        Interlocked.Add(ref _elapsedTicks, Stopwatch.GetTimestamp() - started);
        Interlocked.Add(ref _sent, InFlight);
    }

    [GlobalCleanup(Target = nameof(DecideOverHttp))]
    public void CleanupHttp()
    {
        var sorted = _latencies.Order().ToArray();
        if (sorted.Length > 0)
        {
            var seconds = (double)_elapsedTicks / Stopwatch.Frequency;
            Console.WriteLine($"// consent decide over HTTP: {sorted.Length} requests, {InFlight} in flight: p50 {sorted[sorted.Length / 2]:F2} ms, "
                + $"p99 {sorted[(int)(sorted.Length * 0.99)]:F2} ms, {_sent / seconds:F0} req/s");
        }
        _http.Dispose();
        _service?.Dispose();
    }


    private static ConsentDecisionRequest Request(Guid patient) => new()
    {
        Patient = $"Patient/{patient:D}", Actors = ["Organization/network-a"], PurposeOfUse = "TREAT", SecurityLabels = ["N"], Time = DateTimeOffset.UtcNow,
    };


}
