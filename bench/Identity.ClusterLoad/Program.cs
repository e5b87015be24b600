using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Identity.ClusterLoad;

/// <summary>
/// Closed-loop mixed load against the API processes of a running cluster (bench/cluster-load.sh; bench/README.md,
/// "Cluster load"): N workers, each keeping its own patients (one cookie jar and one software ES256 authenticator per
/// patient), pick registrations (25 %, --register), passkey sign-ins (the rest × 0.85) and passkey renames, every request to a randomly chosen API. An
/// operation is the whole ceremony (options + response: two requests for registration and sign-in, one for rename).
/// Operations finished during the warm-up are not counted. Nothing is retried: a failure is counted and reported.
/// </summary>
internal static class Program
{
    private const string Origin = "http://localhost";

    private static async Task<int> Main(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["seconds"] = "30",
            ["warmup"] = "5",
            ["concurrency"] = "16",
            ["label"] = "",
            ["seed"] = "8",
            ["register"] = "0.25",
        };
        var apis = new List<Uri>();
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            if (args[i] == "--api")
            {
                apis.Add(new Uri(args[i + 1]));
            }
            else
            {
                options[args[i].TrimStart('-')] = args[i + 1];
            }
        }
        if (apis.Count == 0 || apis.Any(api => !api.IsLoopback))
        {
            Console.Error.WriteLine("usage: --api http://127.0.0.1:PORT [--api …] [--seconds 30] [--warmup 5] [--concurrency 16] (loopback only)");
            return 2;
        }
        var seconds = int.Parse(options["seconds"], CultureInfo.InvariantCulture);
        var warmup = int.Parse(options["warmup"], CultureInfo.InvariantCulture);
        var concurrency = int.Parse(options["concurrency"], CultureInfo.InvariantCulture);
        var seed = int.Parse(options["seed"], CultureInfo.InvariantCulture);
        var registerShare = double.Parse(options["register"], CultureInfo.InvariantCulture);

        var samples = new ConcurrentQueue<(string Operation, double Milliseconds, bool Ok, string Detail)>();
        var registered = 0;
        var clock = Stopwatch.StartNew();
        var warm = TimeSpan.FromSeconds(warmup);
        var end = warm + TimeSpan.FromSeconds(seconds);
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            var random = new Random(seed * 1000 + worker);
            var mine = new List<Patient>();
            try
            {
                while (clock.Elapsed < end)
                {
                    var choice = random.NextDouble();
                    string operation;
                    var started = Stopwatch.GetTimestamp();
                    (HttpStatusCode Status, string Body) result;
                    try
                    {
                        if (mine.Count < 2 || choice < registerShare)
                        {
                            operation = "register";
                            var patient = new Patient(NewClient(), new SoftwareAuthenticator(Origin));
                            result = await RegisterAsync(patient, () => apis[random.Next(apis.Count)]);
                            if (result.Status == HttpStatusCode.Created)
                            {
                                mine.Add(patient);
                                Interlocked.Increment(ref registered);
                            }
                            else
                            {
                                patient.Dispose();
                            }
                        }
                        else if (choice < registerShare + (1 - registerShare) * 0.85)
                        {
                            operation = "sign-in";
                            var patient = mine[random.Next(mine.Count)];
                            result = await SignInAsync(patient, () => apis[random.Next(apis.Count)]);
                        }
                        else
                        {
                            operation = "rename";
                            var patient = mine[random.Next(mine.Count)];
                            result = await SendAsync(patient.Http, HttpMethod.Patch, apis[random.Next(apis.Count)],
                                $"/api/passkeys/{patient.Authenticator.CredentialIdText}", JsonSerializer.Serialize(new { name = $"device {random.Next(1000)}" }));
                        }
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                    {
                        operation = "error";
                        result = (0, e.GetType().Name);
                    }
                    if (clock.Elapsed >= warm && clock.Elapsed < end)
                    {
                        var ok = (int)result.Status is >= 200 and < 300;
                        samples.Enqueue((operation, Stopwatch.GetElapsedTime(started).TotalMilliseconds, ok, ok ? "" : $"{(int)result.Status} {Code(result.Body)}"));
                    }
                }
            }
            finally
            {
                foreach (var patient in mine)
                {
                    patient.Dispose();
                }
            }
        })));

        var all = samples.ToArray();
        var label = options["label"];
        Console.WriteLine($"## {label} — {apis.Count} API(s), concurrency {concurrency}, {seconds} s measured after {warmup} s warm-up");
        Console.WriteLine();
        Console.WriteLine("| Operation | Count | ops/s | p50 ms | p99 ms | max ms | failed |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var group in all.GroupBy(s => s.Operation).OrderBy(g => g.Key, StringComparer.Ordinal).Append(all.GroupBy(_ => "all").Single()))
        {
            var ok = group.Where(s => s.Ok).Select(s => s.Milliseconds).Order().ToArray();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {group.Key} | {ok.Length} | {ok.Length / (double)seconds:0.0} | {Percentile(ok, 0.50):0.0} | {Percentile(ok, 0.99):0.0} | {(ok.Length == 0 ? 0 : ok[^1]):0.0} | {group.Count(s => !s.Ok)} |"));
        }
        var failures = all.Where(s => !s.Ok).GroupBy(s => $"{s.Operation} {s.Detail}").Select(g => $"{g.Key} ×{g.Count()}").ToArray();
        Console.WriteLine();
        Console.WriteLine($"Patients registered (including warm-up): {registered}. Failures: {(failures.Length == 0 ? "none" : string.Join(", ", failures))}");
        return 0;
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static async Task<(HttpStatusCode, string)> RegisterAsync(Patient patient, Func<Uri> api)
    {
        var options = await SendAsync(patient.Http, HttpMethod.Post, api(), "/api/passkeys/register/options", "{}");
        return options.Status != HttpStatusCode.OK
            ? options
            : await SendAsync(patient.Http, HttpMethod.Post, api(), "/api/passkeys/register", patient.Authenticator.Create(options.Body));
    }

    private static async Task<(HttpStatusCode, string)> SignInAsync(Patient patient, Func<Uri> api)
    {
        var options = await SendAsync(patient.Http, HttpMethod.Post, api(), "/api/passkeys/sign-in/options", "{}");
        return options.Status != HttpStatusCode.OK
            ? options
            : await SendAsync(patient.Http, HttpMethod.Post, api(), "/api/passkeys/sign-in", patient.Authenticator.Get(options.Body));
    }

    /// <summary>Sends one request the way a browser on the service's origin would.</summary>
    private static async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpClient http, HttpMethod method, Uri api, string path, string json)
    {
        using var request = new HttpRequestMessage(method, new Uri(api, path));
        request.Headers.Add("Origin", Origin);
        request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static HttpClient NewClient() => new(new SocketsHttpHandler { CookieContainer = new CookieContainer(), UseCookies = true })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    private static string Code(string body)
    {
        try
        {
            return JsonSerializer.Deserialize<JsonElement>(body) is { ValueKind: JsonValueKind.Object } problem
                && problem.TryGetProperty("code", out var code) ? code.ToString() : "";
        }
        catch (JsonException)
        {
            return "";
        }
    }

    private sealed record Patient(HttpClient Http, SoftwareAuthenticator Authenticator) : IDisposable
    {
        public void Dispose()
        {
            Http.Dispose();
            Authenticator.Dispose();
        }
    }
}
