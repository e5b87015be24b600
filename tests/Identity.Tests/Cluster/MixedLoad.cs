using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Identity.Tests.Infrastructure;

namespace Identity.Tests.Cluster;

/// <summary>
/// A bounded mixed load from a few concurrent clients, every request sent to a randomly chosen API process (no sticky
/// sessions): new patients (passkey registration), passkey sign-ins, added passkeys and renames. Each operation is
/// retried with fresh options when it fails transiently (5xx, 429, no answer) until it is acknowledged or its time is up;
/// the ledger keeps what was acknowledged, what got no clear answer and what was refused with a promise that nothing
/// was done, and <see cref="VerifyAsync"/> compares it with what the service stores.
/// </summary>
public sealed class MixedLoad(IReadOnlyList<Uri> apis, int operations, TimeSpan duration, int clients = 4, int seed = 8)
{
    /// <summary>503 codes whose contract is "nothing was done" (they are raised before any state changes).</summary>
    public static readonly string[] NothingDoneCodes = ["audit_unavailable", "shared_state_unavailable"];

    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);
    private readonly ConcurrentQueue<Attempt> _attempts = new();
    private readonly ConcurrentBag<PatientLedger> _patients = [];
    private readonly Stopwatch _clock = new();
    private int _abandoned;

    /// <summary>How long one operation may keep retrying before it is reported as abandoned.</summary>
    public TimeSpan OperationDeadline { get; init; } = TimeSpan.FromSeconds(30);

    public IReadOnlyCollection<Attempt> Attempts => _attempts;

    public IReadOnlyCollection<PatientLedger> Patients => _patients;

    /// <summary>Time since the load started; mark failure injections with it.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    public int Acknowledged => _attempts.Count(a => a.Outcome == AttemptOutcome.Acknowledged);

    public int Abandoned => _abandoned;

    public IEnumerable<Attempt> Failed => _attempts.Where(a => a.Outcome != AttemptOutcome.Acknowledged);

    public async Task RunAsync()
    {
        _clock.Start();
        var interval = duration / operations;
        await Task.WhenAll(Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
        {
            var random = new Random(seed * 100 + client);
            var mine = new List<(PatientLedger Ledger, HttpClient Http)>();
            try
            {
                for (var i = client; i < operations; i += clients)
                {
                    if (interval * i - _clock.Elapsed is { Ticks: > 0 } wait)
                    {
                        await Task.Delay(wait);
                    }
                    await RunOneAsync(random, mine);
                }
            }
            finally
            {
                foreach (var (_, http) in mine)
                {
                    http.Dispose();
                }
            }
        })));
        _clock.Stop();
    }

    /// <summary>Failed attempts that started at or after <paramref name="from"/> (load time); the last one tells when service returned.</summary>
    public TimeSpan? LastFailureStartedAfter(TimeSpan from) =>
        Failed.Where(a => a.Started >= from).Select(a => (TimeSpan?)a.Started).Max();

    /// <summary>One line per outcome and code, for messages and the report.</summary>
    public string Summary() =>
        $"{_attempts.Count} attempts, {Acknowledged} acknowledged, {Failed.Count()} failed, {_abandoned} operations abandoned; failures: " +
        string.Join(", ", Failed.GroupBy(a => $"{a.Operation} {a.Detail}").Select(g => $"{g.Key} ×{g.Count()}"));

    /// <summary>
    /// Signs in with every acknowledged passkey of every acknowledged patient (alternating API processes) and reads the
    /// patient's passkey list: every acknowledged passkey is there, active, with an acknowledged name; no passkey refused with
    /// "nothing was done" exists; a passkey without a clear answer is either absent or fully usable. Returns the differences.
    /// </summary>
    public async Task<IReadOnlyList<string>> VerifyAsync()
    {
        var problems = new ConcurrentBag<string>();
        var turn = 0;
        await Parallel.ForEachAsync(_patients.Where(p => p.Id is not null), new ParallelOptions { MaxDegreeOfParallelism = clients }, async (patient, _) =>
        {
            using var http = NewClient();
            foreach (var passkey in patient.Passkeys)
            {
                var (status, body) = await UntilAnsweredAsync(() => SignInAsync(http, () => apis[Interlocked.Increment(ref turn) % apis.Count], passkey.Authenticator));
                if (status != HttpStatusCode.OK || !body.Contains(patient.Id!.Value.ToString(), StringComparison.Ordinal))
                {
                    problems.Add($"patient {patient.Id}: acknowledged passkey {passkey.Authenticator.CredentialIdText} signs in with {(int)status} {body}");
                }
            }
            var (listed, list) = await UntilAnsweredAsync(() => SendAsync(http, HttpMethod.Get, apis[Interlocked.Increment(ref turn) % apis.Count], "/api/passkeys"));
            if (listed != HttpStatusCode.OK)
            {
                problems.Add($"patient {patient.Id}: GET /api/passkeys {(int)listed} {list}");
                return;
            }
            var stored = JsonSerializer.Deserialize<JsonElement>(list).EnumerateArray()
                .ToDictionary(p => p.GetProperty("id").GetString()!, p => p);
            foreach (var passkey in patient.Passkeys)
            {
                if (!stored.TryGetValue(passkey.Authenticator.CredentialIdText, out var found))
                {
                    problems.Add($"patient {patient.Id}: acknowledged passkey {passkey.Authenticator.CredentialIdText} is not listed");
                }
                else if (passkey.Renamed && !passkey.PossibleNames.Contains(found.GetProperty("name").GetString()!))
                {
                    problems.Add($"patient {patient.Id}: passkey {passkey.Authenticator.CredentialIdText} is named '{found.GetProperty("name")}', " +
                        $"acknowledged: {string.Join(" / ", passkey.PossibleNames)}");
                }
            }
            foreach (var refused in patient.Refused.Where(r => stored.ContainsKey(r.CredentialIdText)))
            {
                problems.Add($"patient {patient.Id}: passkey {refused.CredentialIdText} was refused with 'nothing was done' but is stored");
            }
            foreach (var unknown in patient.Unknown.Where(u => stored.ContainsKey(u.CredentialIdText)))
            {
                var (status, body) = await UntilAnsweredAsync(() => SignInAsync(http, () => apis[0], unknown));
                if (status != HttpStatusCode.OK)
                {
                    problems.Add($"patient {patient.Id}: passkey {unknown.CredentialIdText} is stored half: listed, but signs in with {(int)status} {body}");
                }
            }
            var extra = stored.Count - patient.Passkeys.Count - patient.Unknown.Count;
            if (extra > 0)
            {
                problems.Add($"patient {patient.Id}: {extra} passkeys stored that the client never added");
            }
        });
        return [.. problems];
    }

    private async Task RunOneAsync(Random random, List<(PatientLedger Ledger, HttpClient Http)> mine)
    {
        var choice = random.NextDouble();
        if (mine.Count < 2 || choice < 0.25)
        {
            var http = NewClient();
            var ledger = new PatientLedger();
            mine.Add((ledger, http));
            _patients.Add(ledger);
            await OperationAsync("register", random, attempt => RegisterAsync(http, attempt, ledger));
            return;
        }
        var (patient, client) = mine[random.Next(mine.Count)];
        if (patient.Id is null)
        {
            return;
        }
        if (choice < 0.55 || (choice < 0.8 && patient.Passkeys.Count >= 3))
        {
            var passkey = patient.Passkeys[random.Next(patient.Passkeys.Count)];
            await OperationAsync("sign-in", random, attempt => SignInAsync(client, attempt.Api, passkey.Authenticator));
        }
        else if (choice < 0.8)
        {
            await OperationAsync("add", random, attempt => AddAsync(client, attempt, patient));
        }
        else
        {
            var passkey = patient.Passkeys[random.Next(patient.Passkeys.Count)];
            var name = $"device {random.Next(1000)}";
            await OperationAsync("rename", random, async attempt =>
            {
                var (status, body) = await SendAsync(client, HttpMethod.Patch, attempt.Api(), $"/api/passkeys/{passkey.Authenticator.CredentialIdText}", new { name });
                if (status == HttpStatusCode.NoContent)
                {
                    passkey.PossibleNames.Clear();
                    passkey.PossibleNames.Add(name);
                    passkey.Renamed = true;
                }
                else if (IsUnclear(status, body))
                {
                    passkey.PossibleNames.Add(name);
                }
                return (status, body);
            });
        }
    }

    private async Task<(HttpStatusCode, string)> RegisterAsync(HttpClient http, AttemptContext attempt, PatientLedger ledger)
    {
        var options = await SendAsync(http, HttpMethod.Post, attempt.Api(), "/api/passkeys/register/options", new { });
        if (options.Status != HttpStatusCode.OK)
        {
            return options;
        }
        var authenticator = new SoftwareAuthenticator(ClusterProcesses.Origin);
        var (status, body) = await SendAsync(http, HttpMethod.Post, attempt.Api(), "/api/passkeys/register", authenticator.Create(options.Body));
        if (status == HttpStatusCode.Created)
        {
            ledger.Id = Guid.Parse(JsonSerializer.Deserialize<JsonElement>(body).GetProperty("hl7_person_identifier").GetString()!);
            ledger.Passkeys.Add(new LedgerPasskey(authenticator));
        }
        else
        {
            // A registration without an answer leaves at most an orphan patient no one can sign in as; a retry starts afresh.
            authenticator.Dispose();
        }
        return (status, body);
    }

    private static async Task<(HttpStatusCode, string)> AddAsync(HttpClient http, AttemptContext attempt, PatientLedger patient)
    {
        var options = await SendAsync(http, HttpMethod.Post, attempt.Api(), "/api/passkeys/options", new { });
        if (options.Status != HttpStatusCode.OK)
        {
            return options;
        }
        var authenticator = new SoftwareAuthenticator(ClusterProcesses.Origin);
        var (status, body) = await SendAsync(http, HttpMethod.Post, attempt.Api(), "/api/passkeys", authenticator.Create(options.Body));
        if (status == HttpStatusCode.Created)
        {
            patient.Passkeys.Add(new LedgerPasskey(authenticator));
        }
        else if (IsUnclear(status, body))
        {
            patient.Unknown.Add(authenticator);
        }
        else
        {
            patient.Refused.Add(authenticator);
        }
        return (status, body);
    }

    private static async Task<(HttpStatusCode Status, string Body)> SignInAsync(HttpClient http, Func<Uri> api, SoftwareAuthenticator authenticator)
    {
        var options = await SendAsync(http, HttpMethod.Post, api(), "/api/passkeys/sign-in/options", new { });
        return options.Status != HttpStatusCode.OK
            ? options
            : await SendAsync(http, HttpMethod.Post, api(), "/api/passkeys/sign-in", authenticator.Get(options.Body));
    }

    private async Task OperationAsync(string operation, Random random, Func<AttemptContext, Task<(HttpStatusCode Status, string Body)>> attempt)
    {
        var deadline = _clock.Elapsed + OperationDeadline;
        var delay = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            var started = _clock.Elapsed;
            var context = new AttemptContext(apis, random);
            AttemptOutcome outcome;
            string detail;
            try
            {
                var (status, body) = await attempt(context);
                (outcome, detail) = (int)status switch
                {
                    >= 200 and < 300 => (AttemptOutcome.Acknowledged, ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture)),
                    >= 500 or 429 => (AttemptOutcome.Transient, $"{(int)status} {CodeOf(body)}"),
                    _ => (AttemptOutcome.Unexpected, $"{(int)status} {CodeOf(body)}: {Field(body, "detail") ?? Field(body, "title")}"),
                };
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                (outcome, detail) = (AttemptOutcome.Transient, e.GetType().Name);
            }
            _attempts.Enqueue(new Attempt(operation, started, _clock.Elapsed, outcome, detail, context.Used));
            if (outcome != AttemptOutcome.Transient)
            {
                return;
            }
            if (_clock.Elapsed + delay > deadline)
            {
                Interlocked.Increment(ref _abandoned);
                return;
            }
            await Task.Delay(delay);
            delay = TimeSpan.FromMilliseconds(Math.Min(1_000, delay.TotalMilliseconds * 1.5));
        }
    }

    private static async Task<(HttpStatusCode Status, string Body)> UntilAnsweredAsync(Func<Task<(HttpStatusCode Status, string Body)>> request)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var answer = await request();
                if ((int)answer.Status < 500 || attempt == 20)
                {
                    return answer;
                }
            }
            catch (Exception e) when ((e is HttpRequestException or TaskCanceledException) && attempt < 20)
            {
                // Retried below.
            }
            await Task.Delay(500);
        }
    }

    /// <summary>Sends one request the way a browser on the service's origin would.</summary>
    public static async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpClient http, HttpMethod method, Uri api, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(api, path));
        request.Headers.Add("Origin", ClusterProcesses.Origin);
        if (body is not null)
        {
            request.Content = new StringContent(body as string ?? JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        }
        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>A browser-like client: one cookie jar for every API process (they share one host, 127.0.0.1).</summary>
    public static HttpClient NewClient() => new(new SocketsHttpHandler { CookieContainer = new CookieContainer(), UseCookies = true })
    {
        Timeout = RequestTimeout,
    };

    private static bool IsUnclear(HttpStatusCode status, string body) =>
        (int)status >= 500 && !((int)status == 503 && NothingDoneCodes.Contains(CodeOf(body)));

    /// <summary>The problem document's stable <c>code</c>, or empty.</summary>
    public static string CodeOf(string body) => Field(body, "code") ?? "";

    private static string? Field(string body, string name)
    {
        try
        {
            return JsonSerializer.Deserialize<JsonElement>(body) is { ValueKind: JsonValueKind.Object } problem
                && problem.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Picks the API process for each request of one attempt and remembers which were used.</summary>
    private sealed class AttemptContext(IReadOnlyList<Uri> apis, Random random)
    {
        public List<int> Used { get; } = [];

        public Uri Api()
        {
            var index = random.Next(apis.Count);
            Used.Add(index);
            return apis[index];
        }
    }
}

public enum AttemptOutcome
{
    Acknowledged,
    Transient,
    Unexpected,
}

/// <summary>One try of one operation, in load time.</summary>
public sealed record Attempt(string Operation, TimeSpan Started, TimeSpan Finished, AttemptOutcome Outcome, string Detail, IReadOnlyList<int> Apis);
