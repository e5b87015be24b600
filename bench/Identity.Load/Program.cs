using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Identity.Load;

/// <summary>
/// Load harness for the token service running on loopback (bench/README.md, "Token service load"): reads the endpoints
/// from discovery, measures the machine's single-core ES256 sign/verify rates, then drives discovery, JWKS, the token
/// endpoint (client_credentials) and introspection at a fixed rate and at maximum, and prints a Markdown table.
/// </summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["issuer"] = "http://localhost:5080/",
            ["client-id"] = "demo-network",
            ["client-secret"] = Environment.GetEnvironmentVariable("NETWORK_CLIENT_SECRET") ?? "demo-network-secret-Zp3s9V1qK7xW2mB8nR4tY6uH0jL5cF",
            ["scope"] = "network:demo",
            ["rate"] = "500",
            ["decide-rate"] = "1000",
            ["seconds"] = "10",
            ["connections"] = "32",
            ["only"] = "",
        };
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            options[args[i].TrimStart('-')] = args[i + 1];
        }
        var issuer = new Uri(options["issuer"]);
        if (!issuer.IsLoopback)
        {
            Console.Error.WriteLine("This harness only targets a service on loopback.");
            return 2;
        }
        var rate = int.Parse(options["rate"], CultureInfo.InvariantCulture);
        var duration = TimeSpan.FromSeconds(double.Parse(options["seconds"], CultureInfo.InvariantCulture));
        var connections = int.Parse(options["connections"], CultureInfo.InvariantCulture);

        Console.WriteLine($"# {DateTimeOffset.Now:u}, {Environment.ProcessorCount} cores, .NET {Environment.Version}, load average {LoadAverage()}");
        var (sign, verify) = SigningRates.Measure(TimeSpan.FromSeconds(3));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"single-core ES256: sign {sign:F0}/s, verify {verify:F0}/s"));

        using var http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 1024,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
        }) { Timeout = TimeSpan.FromSeconds(30) };

        var discoveryUri = new Uri(issuer, ".well-known/openid-configuration");
        var discovery = await http.GetFromJsonAsync<JsonElement>(discoveryUri);
        var tokenEndpoint = new Uri(discovery.GetProperty("token_endpoint").GetString()!);
        var introspectionEndpoint = new Uri(discovery.GetProperty("introspection_endpoint").GetString()!);
        var jwksUri = new Uri(discovery.GetProperty("jwks_uri").GetString()!);
        var basic = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(
            $"{Uri.EscapeDataString(options["client-id"])}:{Uri.EscapeDataString(options["client-secret"])}")));
        var tokenForm = Encoding.ASCII.GetBytes($"grant_type=client_credentials&scope={Uri.EscapeDataString(options["scope"])}");

        HttpRequestMessage Post(Uri uri, byte[] form)
        {
            var content = new ByteArrayContent(form);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
            return new HttpRequestMessage(HttpMethod.Post, uri) { Content = content, Headers = { Authorization = basic } };
        }

        var token = new LoadScenario("token (client_credentials)", http, () => Post(tokenEndpoint, tokenForm));
        var issued = JsonDocument.Parse(await token.ProbeAsync()).RootElement.GetProperty("access_token").GetString()!;
        var header = JsonDocument.Parse(Convert.FromBase64String(Pad(issued.Split('.')[0]))).RootElement;
        Console.WriteLine($"token: alg {header.GetProperty("alg")}, typ {header.GetProperty("typ")}");
        var introspectionForm = Encoding.ASCII.GetBytes($"token={Uri.EscapeDataString(issued)}");
        var introspection = new LoadScenario("introspection", http, () => Post(introspectionEndpoint, introspectionForm));
        if (!(await introspection.ProbeAsync()).Contains("\"active\": true", StringComparison.Ordinal)
            && !(await introspection.ProbeAsync()).Contains("\"active\":true", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("The introspected token is not active.");
        }
        var decideRate = int.Parse(options["decide-rate"], CultureInfo.InvariantCulture);
        LoadScenario[] scenarios =
        [
            new("discovery", http, () => new HttpRequestMessage(HttpMethod.Get, discoveryUri)),
            new("jwks", http, () => new HttpRequestMessage(HttpMethod.Get, jwksUri)),
            token,
            introspection,
            await ConsentDecisionAsync(issuer, basic, http),
        ];

        var results = new List<LoadResult>();
        foreach (var scenario in scenarios.Where(s => options["only"].Length == 0 || s.Name.StartsWith(options["only"], StringComparison.Ordinal)))
        {
            await scenario.RunAtMaxAsync(connections, TimeSpan.FromSeconds(3));   // warm-up: JIT, connections, caches
            // Let the service finish what the warm-up left behind (audit events still being committed, SQLite checkpoints),
            // so the fixed-rate phase measures this scenario and not the tail of the previous load.
            await Task.Delay(TimeSpan.FromSeconds(2));
            results.Add(await scenario.RunAtRateAsync(scenario == scenarios[^1] ? decideRate : rate, duration));
            Console.WriteLine(results[^1].ToMarkdownRow());
            results.Add(await scenario.RunAtMaxAsync(connections, duration));
            Console.WriteLine(results[^1].ToMarkdownRow());
        }

        Console.WriteLine();
        Console.WriteLine(LoadResult.MarkdownHeader);
        foreach (var result in results)
        {
            Console.WriteLine(result.ToMarkdownRow());
        }
        Console.WriteLine();
        foreach (var result in results.Where(r => r.Load.StartsWith("max", StringComparison.Ordinal)))
        {
            var (baseline, target, what) = result.Scenario.StartsWith("token", StringComparison.Ordinal) ? (sign, 0.10, "sign")
                : result.Scenario == "introspection" ? (verify, 0.35, "verify") : (0, 0, "");
            if (baseline > 0)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{result.Scenario}: {result.RequestsPerSecond:F0} req/s = {result.RequestsPerSecond / baseline:P1} of the single-core {what} rate (target {target:P0}: {(result.RequestsPerSecond / baseline >= target ? "met" : "MISSED")})"));
            }
        }
        foreach (var result in results.Where(r => r.Load == $"{rate}/s" && r.Scenario is "introspection" || r.Load == $"{rate}/s" && r.Scenario.StartsWith("token", StringComparison.Ordinal)))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{result.Scenario} at {result.Load}: p99 {result.P99Ms:F2} ms (target ≤ 10 ms: {(result.P99Ms <= 10 ? "met" : "MISSED")})"));
        }
        foreach (var result in results.Where(r => r.Load == $"{decideRate}/s" && r.Scenario.StartsWith("consent", StringComparison.Ordinal)))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{result.Scenario} at {result.Load}: {result.RequestsPerSecond:F0} req/s, p99 {result.P99Ms:F2} ms (target ≤ 2 ms at 1000 req/s: {(result.P99Ms <= 2 && result.RequestsPerSecond >= 990 ? "met" : "MISSED")})"));
        }
        return 0;
    }

    /// <summary><c>POST /consent/decide</c> for a patient with 20 Consents, as a network with a consent.decide token.</summary>
    private static async Task<LoadScenario> ConsentDecisionAsync(Uri issuer, AuthenticationHeaderValue network, HttpClient http)
    {
        var (token, question) = await ConsentDecisionSetup.PrepareAsync(issuer, network);
        var bearer = new AuthenticationHeaderValue("Bearer", token);
        var body = Encoding.UTF8.GetBytes(question);
        var decide = new Uri(issuer, "consent/decide");
        var scenario = new LoadScenario("consent decide (20 consents)", http, () =>
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            return new HttpRequestMessage(HttpMethod.Post, decide) { Content = content, Headers = { Authorization = bearer } };
        });
        var answer = await scenario.ProbeAsync();
        Console.WriteLine($"consent decide: {answer.ReplaceLineEndings(" ")[..Math.Min(160, answer.Length)]}");
        return scenario;
    }

    private static string Pad(string base64Url)
    {
        var s = base64Url.Replace('-', '+').Replace('_', '/');
        return s.PadRight(s.Length + (4 - s.Length % 4) % 4, '=');
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
