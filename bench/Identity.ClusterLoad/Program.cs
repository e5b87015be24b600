using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Identity.ClusterLoad;

/// <summary>
/// Closed-loop mixed load against the API processes of a running cluster (bench/cluster-load.sh; bench/README.md,
/// "Cluster load"): N workers, each keeping its own patients (one cookie jar and one software ES256 authenticator per
/// patient), pick operations in the proportions of <see cref="LoadMix"/> (the cluster tests' mix; --register sets the
/// share of new patients) and run them with <see cref="Ceremonies"/>, every request to a randomly chosen API: passkey
/// registrations and mDL enrolments (a test wallet whose IACA the APIs trust, --iaca), sign-ins, added and renamed
/// passkeys, FHIR Consent creations and updates, and client_credentials token requests. An operation is the whole
/// ceremony (registration and sign-in 2 requests, enrolment 6, rename, consent change and token 1). Operations finished
/// during the warm-up are not counted. Nothing is retried: a failure is counted and reported.
/// </summary>
internal static class Program
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    private static async Task<int> Main(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["seconds"] = "30",
            ["warmup"] = "5",
            ["concurrency"] = "16",
            ["label"] = "",
            ["seed"] = "8",
            ["register"] = LoadMix.DefaultNewPatientShare.ToString(CultureInfo.InvariantCulture),
            ["iaca"] = "",
            ["init-iaca"] = "",
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
        if (options["init-iaca"] is { Length: > 0 } folder)
        {
            // Before the APIs start: an issuing authority for the load's licences; the APIs trust {folder}/trust.
            using var issuer = new TestWallet(DateTimeOffset.UtcNow);
            Directory.CreateDirectory(Path.Combine(folder, "trust"));
            issuer.SaveIssuer(IacaCertificate(folder), IacaKey(folder));
            return 0;
        }
        if (apis.Count == 0 || apis.Any(api => !api.IsLoopback) || options["iaca"].Length == 0)
        {
            Console.Error.WriteLine("usage: --init-iaca DIR (then start the APIs with Enrollment__TrustFolder=DIR/trust), then");
            Console.Error.WriteLine("       --iaca DIR --api http://127.0.0.1:PORT [--api …] [--seconds 30] [--warmup 5] [--concurrency 16] [--register 0.25] (loopback only)");
            return 2;
        }
        var seconds = int.Parse(options["seconds"], CultureInfo.InvariantCulture);
        var warmup = int.Parse(options["warmup"], CultureInfo.InvariantCulture);
        var concurrency = int.Parse(options["concurrency"], CultureInfo.InvariantCulture);
        var seed = int.Parse(options["seed"], CultureInfo.InvariantCulture);
        var newPatientShare = double.Parse(options["register"], CultureInfo.InvariantCulture);
        using var wallet = TestWallet.LoadIssuer(IacaCertificate(options["iaca"]), IacaKey(options["iaca"]), DateTimeOffset.UtcNow);

        var samples = new ConcurrentQueue<(string Operation, double Milliseconds, bool Ok, string Detail)>();
        var registered = 0;
        var clock = Stopwatch.StartNew();
        var warm = TimeSpan.FromSeconds(warmup);
        var end = warm + TimeSpan.FromSeconds(seconds);
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            var random = new Random(seed * 1000 + worker);
            Uri Api() => apis[random.Next(apis.Count)];
            var mine = new List<Patient>();
            using var network = new HttpClient { Timeout = RequestTimeout };
            var licences = 0;
            try
            {
                while (clock.Elapsed < end)
                {
                    var operation = LoadMix.Next(random, hasPatients: mine.Count >= 2, newPatientShare);
                    var started = Stopwatch.GetTimestamp();
                    (HttpStatusCode Status, string Body) result;
                    try
                    {
                        switch (operation)
                        {
                            case LoadOperation.Register or LoadOperation.Enrol:
                                var patient = new Patient(Ceremonies.NewBrowser(RequestTimeout), new SoftwareAuthenticator(Ceremonies.Origin));
                                result = operation == LoadOperation.Register
                                    ? await Ceremonies.RegisterAsync(patient.Http, Api, patient.Authenticator)
                                    : await Ceremonies.EnrolAsync(patient.Http, Api, wallet, $"B{seed:D2}{worker:D3}{++licences:D6}", patient.Authenticator);
                                if (result.Status == HttpStatusCode.Created)
                                {
                                    patient.Id = Guid.Parse(Ceremonies.Field(result.Body, "hl7_person_identifier")!);
                                    mine.Add(patient);
                                    Interlocked.Increment(ref registered);
                                }
                                else
                                {
                                    patient.Dispose();
                                }
                                break;
                            default:
                                (operation, result) = await OnPatientAsync(mine[random.Next(mine.Count)], operation, random, Api, network);
                                break;
                        }
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                    {
                        result = (0, e.GetType().Name);
                    }
                    if (clock.Elapsed >= warm && clock.Elapsed < end)
                    {
                        var ok = (int)result.Status is >= 200 and < 300;
                        samples.Enqueue((Name(operation), Stopwatch.GetElapsedTime(started).TotalMilliseconds, ok,
                            ok ? "" : $"{(int)result.Status} {Ceremonies.CodeOf(result.Body)}"));
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
        Console.WriteLine($"Patients registered or enrolled (including warm-up): {registered}. Failures: {(failures.Length == 0 ? "none" : string.Join(", ", failures))}");
        return 0;
    }

    /// <summary>One operation for an existing patient; an added passkey for one with three already is a sign-in instead (as in the cluster tests).</summary>
    private static async Task<(LoadOperation, (HttpStatusCode Status, string Body))> OnPatientAsync(Patient patient, LoadOperation operation, Random random,
        Func<Uri> api, HttpClient network)
    {
        switch (operation)
        {
            case LoadOperation.AddPasskey when patient.Passkeys < 3:
                using (var another = new SoftwareAuthenticator(Ceremonies.Origin))
                {
                    var added = await Ceremonies.AddPasskeyAsync(patient.Http, api, another);
                    patient.Passkeys += added.Status == HttpStatusCode.Created ? 1 : 0;
                    return (operation, added);
                }
            case LoadOperation.SignIn or LoadOperation.AddPasskey:
                return (LoadOperation.SignIn, await Ceremonies.SignInAsync(patient.Http, api, patient.Authenticator));
            case LoadOperation.Rename:
                return (operation, await Ceremonies.RenameAsync(patient.Http, api, patient.Authenticator, $"device {random.Next(1000)}"));
            case LoadOperation.ConsentChange when LoadMix.CreatesConsent(random, patient.Consents.Count):
                var created = await Ceremonies.CreateConsentAsync(patient.Http, api, patient.Id);
                if (created.Status == HttpStatusCode.Created)
                {
                    patient.Consents.Add((Ceremonies.Field(created.Body, "id")!, Ceremonies.VersionOf(created.Body), "active"));
                }
                return (operation, created);
            case LoadOperation.ConsentChange:
                var index = random.Next(patient.Consents.Count);
                var (id, version, status) = patient.Consents[index];
                var updated = await Ceremonies.UpdateConsentAsync(patient.Http, api, patient.Id, id, version, LoadMix.Toggled(status));
                if (updated.Status == HttpStatusCode.OK)
                {
                    patient.Consents[index] = (id, Ceremonies.VersionOf(updated.Body), LoadMix.Toggled(status));
                }
                return (operation, updated);
            default:
                return (operation, await Ceremonies.ClientCredentialsAsync(network, api));
        }
    }

    private static string Name(LoadOperation operation) => JsonNamingPolicy.KebabCaseLower.ConvertName(operation.ToString());

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static string IacaCertificate(string folder) => Path.Combine(folder, "trust", "test-iaca.pem");

    private static string IacaKey(string folder) => Path.Combine(folder, "test-iaca.key");

    private sealed class Patient(HttpClient http, SoftwareAuthenticator authenticator) : IDisposable
    {
        public HttpClient Http { get; } = http;

        public SoftwareAuthenticator Authenticator { get; } = authenticator;

        public Guid Id { get; set; }

        public int Passkeys { get; set; } = 1;

        public List<(string Id, int Version, string Status)> Consents { get; } = [];

        public void Dispose()
        {
            Http.Dispose();
            Authenticator.Dispose();
        }
    }
}
