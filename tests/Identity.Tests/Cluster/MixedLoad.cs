using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace Identity.Tests.Cluster;

/// <summary>
/// A bounded mixed load from a few concurrent clients, every request sent to a randomly chosen API process (no sticky
/// sessions), in the proportions of <see cref="LoadMix"/>: new patients (passkey registration or mDL enrolment with
/// <paramref name="wallet"/>), passkey sign-ins, added and renamed passkeys, FHIR Consent creations and updates, and a
/// network's client_credentials token requests. Each operation is retried with fresh options when it fails transiently
/// (5xx, 429, no answer) until it is acknowledged or its time is up; the ledger keeps what was acknowledged, what got no
/// clear answer and what was refused with a promise that nothing was done, and <see cref="VerifyAsync"/> compares it with
/// what the service stores.
/// </summary>
public sealed class MixedLoad(IReadOnlyList<Uri> apis, TestWallet wallet, int operations, TimeSpan duration, int clients = 4, int seed = 8)
{
    /// <summary>503 codes whose contract is "nothing was done" (they are raised before any state changes).</summary>
    public static readonly string[] NothingDoneCodes = ["audit_unavailable", "shared_state_unavailable"];

    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);
    private readonly ConcurrentQueue<Attempt> _attempts = new();
    private readonly ConcurrentBag<PatientLedger> _patients = [];
    private readonly ConcurrentBag<string> _tokens = [];
    private readonly Stopwatch _clock = new();
    private int _abandoned;
    private int _licences;

    /// <summary>How long one operation may keep retrying before it is reported as abandoned.</summary>
    public TimeSpan OperationDeadline { get; init; } = TimeSpan.FromSeconds(30);

    public IReadOnlyCollection<Attempt> Attempts => _attempts;

    public IReadOnlyCollection<PatientLedger> Patients => _patients;

    /// <summary>Access tokens the token endpoint issued (200).</summary>
    public IReadOnlyCollection<string> Tokens => _tokens;

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
            using var network = new HttpClient { Timeout = RequestTimeout };
            try
            {
                for (var i = client; i < operations; i += clients)
                {
                    if (interval * i - _clock.Elapsed is { Ticks: > 0 } wait)
                    {
                        await Task.Delay(wait);
                    }
                    await RunOneAsync(random, mine, network);
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
        $"{_attempts.Count} attempts, {Acknowledged} acknowledged (" +
        string.Join(", ", _attempts.Where(a => a.Outcome == AttemptOutcome.Acknowledged).GroupBy(a => a.Operation).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Key} {g.Count()}")) +
        $"), {Failed.Count()} failed, {_abandoned} operations abandoned; failures: " +
        string.Join(", ", Failed.GroupBy(a => $"{a.Operation} {a.Detail}").Select(g => $"{g.Key} ×{g.Count()}"));

    /// <summary>
    /// Signs in with every acknowledged passkey of every acknowledged patient (alternating API processes) and reads what
    /// the service stores: every acknowledged passkey is listed, active, with an acknowledged name; no passkey refused with
    /// "nothing was done" exists; a passkey without a clear answer is either absent or fully usable; a patient whose
    /// enrolment was acknowledged has a verified identity (IAL2), one who only registered a passkey has none; every
    /// acknowledged Consent version is stored with its status and the current one is it or a later unanswered one; no more
    /// Consents exist than were acknowledged or left unanswered; every issued access token introspects active. Returns the
    /// differences.
    /// </summary>
    public async Task<IReadOnlyList<string>> VerifyAsync()
    {
        var problems = new ConcurrentBag<string>();
        var turn = 0;
        Uri Next() => apis[Interlocked.Increment(ref turn) % apis.Count];
        await Parallel.ForEachAsync(_patients.Where(p => p.Id is not null), new ParallelOptions { MaxDegreeOfParallelism = clients }, async (patient, _) =>
        {
            using var http = NewClient();
            foreach (var passkey in patient.Passkeys)
            {
                var (status, body) = await UntilAnsweredAsync(() => Ceremonies.SignInAsync(http, Next, passkey.Authenticator));
                if (status != HttpStatusCode.OK || !body.Contains(patient.Id!.Value.ToString(), StringComparison.Ordinal))
                {
                    problems.Add($"patient {patient.Id}: acknowledged passkey {passkey.Authenticator.CredentialIdText} signs in with {(int)status} {body}");
                }
            }
            var (listed, list) = await UntilAnsweredAsync(() => SendAsync(http, HttpMethod.Get, Next(), "/api/passkeys"));
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
                var (status, body) = await UntilAnsweredAsync(() => Ceremonies.SignInAsync(http, () => apis[0], unknown));
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
            var (me, account) = await UntilAnsweredAsync(() => SendAsync(http, HttpMethod.Get, Next(), "/api/account/me"));
            var assurance = me == HttpStatusCode.OK ? Ceremonies.Field(account, "identityAssurance") : $"{(int)me} {account}";
            if (assurance != (patient.Enrolled ? "ial2" : "unverified"))
            {
                problems.Add($"patient {patient.Id}: enrolment {(patient.Enrolled ? "acknowledged" : "never made")}, identity assurance {assurance}");
            }
            await VerifyConsentsAsync(http, Next, patient, problems);
        });
        await Parallel.ForEachAsync(_tokens, new ParallelOptions { MaxDegreeOfParallelism = clients }, async (token, _) =>
        {
            using var http = new HttpClient { Timeout = RequestTimeout };
            var (status, body) = await UntilAnsweredAsync(() => Ceremonies.IntrospectAsync(http, Next(), token));
            if (status != HttpStatusCode.OK || !JsonSerializer.Deserialize<JsonElement>(body).GetProperty("active").GetBoolean())
            {
                problems.Add($"issued access token ...{token[^8..]} introspects {(int)status} {body}");
            }
        });
        return [.. problems];
    }

    private static async Task VerifyConsentsAsync(HttpClient http, Func<Uri> api, PatientLedger patient, ConcurrentBag<string> problems)
    {
        foreach (var consent in patient.Consents)
        {
            var (status, body) = await UntilAnsweredAsync(() => SendAsync(http, HttpMethod.Get, api(), $"/fhir/Consent/{consent.Id}"));
            var current = Ceremonies.VersionOf(body);
            if (status != HttpStatusCode.OK || current < consent.VersionId || current > consent.VersionId + consent.UnclearUpdates
                || current == consent.VersionId && Ceremonies.Field(body, "status") != consent.Status)
            {
                problems.Add($"patient {patient.Id}: Consent {consent.Id} acknowledged at version {consent.VersionId} ({consent.Status}, " +
                    $"{consent.UnclearUpdates} later updates unanswered) reads {(int)status} version {current} ({Ceremonies.Field(body, "status")})");
            }
            var (read, version) = await UntilAnsweredAsync(() => SendAsync(http, HttpMethod.Get, api(), $"/fhir/Consent/{consent.Id}/_history/{consent.VersionId}"));
            if (read != HttpStatusCode.OK || Ceremonies.Field(version, "status") != consent.Status)
            {
                problems.Add($"patient {patient.Id}: acknowledged version {consent.VersionId} of Consent {consent.Id} ({consent.Status}) reads {(int)read} {version}");
            }
        }
        if (patient.Consents.Count + patient.UnclearConsents == 0)
        {
            return;
        }
        var (searched, bundle) = await UntilAnsweredAsync(() => SendAsync(http, HttpMethod.Get, api(), $"/fhir/Consent?patient={patient.Id}"));
        var count = searched == HttpStatusCode.OK && JsonSerializer.Deserialize<JsonElement>(bundle).TryGetProperty("entry", out var entries)
            ? entries.GetArrayLength() : 0;
        if (searched != HttpStatusCode.OK || count < patient.Consents.Count || count > patient.Consents.Count + patient.UnclearConsents)
        {
            problems.Add($"patient {patient.Id}: {patient.Consents.Count} Consents acknowledged and {patient.UnclearConsents} unanswered, search finds {count} ({(int)searched})");
        }
    }

    private async Task RunOneAsync(Random random, List<(PatientLedger Ledger, HttpClient Http)> mine, HttpClient network)
    {
        var operation = LoadMix.Next(random, hasPatients: mine.Count >= 2);
        if (operation is LoadOperation.Register or LoadOperation.Enrol)
        {
            var http = NewClient();
            var enrols = operation == LoadOperation.Enrol;
            var ledger = new PatientLedger { DocumentNumber = enrols ? $"L{seed:D2}{Interlocked.Increment(ref _licences):D6}" : null };
            mine.Add((ledger, http));
            _patients.Add(ledger);
            await (enrols
                ? OperationAsync("enrol", random, attempt => EnrolAsync(http, attempt, ledger), SessionLost)
                : OperationAsync("register", random, attempt => RegisterAsync(http, attempt, ledger)));
            return;
        }
        var (patient, client) = mine[random.Next(mine.Count)];
        if (patient.Id is not { } id)
        {
            return;
        }
        switch (operation)
        {
            case LoadOperation.SignIn or LoadOperation.AddPasskey when operation == LoadOperation.SignIn || patient.Passkeys.Count >= 3:
                var passkey = patient.Passkeys[random.Next(patient.Passkeys.Count)];
                await OperationAsync("sign-in", random, attempt => Ceremonies.SignInAsync(client, attempt.Api, passkey.Authenticator));
                break;
            case LoadOperation.AddPasskey:
                await OperationAsync("add", random, attempt => AddAsync(client, attempt, patient));
                break;
            case LoadOperation.Rename:
                await RenameAsync(random, client, patient);
                break;
            case LoadOperation.ConsentChange when LoadMix.CreatesConsent(random, patient.Consents.Count):
                await OperationAsync("consent-create", random, async attempt =>
                {
                    var (status, body) = await NotingNoAnswerAsync(() => Ceremonies.CreateConsentAsync(client, attempt.Api, id), () => patient.UnclearConsents++);
                    if (status == HttpStatusCode.Created)
                    {
                        patient.Consents.Add(new LedgerConsent(Ceremonies.Field(body, "id")!, Ceremonies.VersionOf(body), Ceremonies.Field(body, "status")!));
                    }
                    else if (IsUnclear(status, body))
                    {
                        patient.UnclearConsents++;
                    }
                    return (status, body);
                });
                break;
            case LoadOperation.ConsentChange:
                var consent = patient.Consents[random.Next(patient.Consents.Count)];
                await OperationAsync("consent-update", random, attempt => UpdateConsentAsync(client, attempt, id, consent));
                break;
            default:
                await OperationAsync("token", random, async attempt =>
                {
                    var (status, body) = await Ceremonies.ClientCredentialsAsync(network, attempt.Api);
                    if (status == HttpStatusCode.OK)
                    {
                        _tokens.Add(Ceremonies.Field(body, "access_token")!);
                    }
                    return (status, body);
                });
                break;
        }
    }

    private async Task RenameAsync(Random random, HttpClient client, PatientLedger patient)
    {
        var passkey = patient.Passkeys[random.Next(patient.Passkeys.Count)];
        var name = $"device {random.Next(1000)}";
        await OperationAsync("rename", random, async attempt =>
        {
            var (status, body) = await NotingNoAnswerAsync(() => Ceremonies.RenameAsync(client, attempt.Api, passkey.Authenticator, name),
                () => passkey.PossibleNames.Add(name));
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

    private static async Task<(HttpStatusCode, string)> RegisterAsync(HttpClient http, AttemptContext attempt, PatientLedger ledger)
    {
        var authenticator = new SoftwareAuthenticator(ClusterProcesses.Origin);
        var (status, body) = await Ceremonies.RegisterAsync(http, attempt.Api, authenticator);
        if (status == HttpStatusCode.Created)
        {
            ledger.Id = Guid.Parse(Ceremonies.Field(body, "hl7_person_identifier")!);
            ledger.Passkeys.Add(new LedgerPasskey(authenticator));
        }
        else
        {
            // A registration without an answer leaves at most an orphan patient no one can sign in as; a retry starts afresh.
            authenticator.Dispose();
        }
        return (status, body);
    }

    /// <summary>
    /// One whole enrolment (a fresh session each attempt). A retry after an unanswered one presents the same licence, so it
    /// recovers the patient the first may have made; the passkey of an unanswered attempt may or may not be stored.
    /// </summary>
    private async Task<(HttpStatusCode, string)> EnrolAsync(HttpClient http, AttemptContext attempt, PatientLedger ledger)
    {
        var authenticator = new SoftwareAuthenticator(ClusterProcesses.Origin);
        var (status, body) = await NotingNoAnswerAsync(() => Ceremonies.EnrolAsync(http, attempt.Api, wallet, ledger.DocumentNumber!, authenticator),
            () => ledger.Record(authenticator, true));
        if (status == HttpStatusCode.Created)
        {
            var id = Guid.Parse(Ceremonies.Field(body, "hl7_person_identifier")!);
            if (ledger.Id is { } earlier && earlier != id)
            {
                throw new InvalidOperationException($"licence {ledger.DocumentNumber} enrolled as {earlier}, then as {id}");
            }
            ledger.Id = id;
            ledger.Enrolled = true;
            ledger.Passkeys.Add(new LedgerPasskey(authenticator));
        }
        else
        {
            ledger.Record(authenticator, IsUnclear(status, body) || SessionLost(status, body));
        }
        return (status, body);
    }

    private static async Task<(HttpStatusCode, string)> AddAsync(HttpClient http, AttemptContext attempt, PatientLedger patient)
    {
        var authenticator = new SoftwareAuthenticator(ClusterProcesses.Origin);
        var (status, body) = await NotingNoAnswerAsync(() => Ceremonies.AddPasskeyAsync(http, attempt.Api, authenticator),
            () => patient.Record(authenticator, true));
        if (status == HttpStatusCode.Created)
        {
            patient.Passkeys.Add(new LedgerPasskey(authenticator));
        }
        else
        {
            patient.Record(authenticator, IsUnclear(status, body));
        }
        return (status, body);
    }

    /// <summary>
    /// A new version with the other status, on the acknowledged one; refused as stale (412) only when an unanswered update
    /// was stored after all: then the stored version is read and versioned instead.
    /// </summary>
    private static async Task<(HttpStatusCode, string)> UpdateConsentAsync(HttpClient http, AttemptContext attempt, Guid patient, LedgerConsent consent)
    {
        var status = LoadMix.Toggled(consent.Status);
        var answer = await NotingNoAnswerAsync(() => Ceremonies.UpdateConsentAsync(http, attempt.Api, patient, consent.Id, consent.VersionId, status),
            () => consent.UnclearUpdates++);
        if (answer.Status == HttpStatusCode.PreconditionFailed && consent.UnclearUpdates > 0)
        {
            var current = await SendAsync(http, HttpMethod.Get, attempt.Api(), $"/fhir/Consent/{consent.Id}");
            if (current.Status != HttpStatusCode.OK)
            {
                return current;
            }
            (consent.VersionId, consent.Status, consent.UnclearUpdates) = (Ceremonies.VersionOf(current.Body), Ceremonies.Field(current.Body, "status")!, 0);
            status = LoadMix.Toggled(consent.Status);
            answer = await NotingNoAnswerAsync(() => Ceremonies.UpdateConsentAsync(http, attempt.Api, patient, consent.Id, consent.VersionId, status),
                () => consent.UnclearUpdates++);
        }
        if (answer.Status == HttpStatusCode.OK)
        {
            (consent.VersionId, consent.Status, consent.UnclearUpdates) = (Ceremonies.VersionOf(answer.Body), status, 0);
        }
        else if (IsUnclear(answer.Status, answer.Body))
        {
            consent.UnclearUpdates++;
        }
        return answer;
    }

    /// <summary>
    /// A request that got no answer at all (timeout, dropped connection) may still have been carried out: <paramref name="noted"/>
    /// records that before the failure goes on to be retried, as an unclear answer (5xx other than "nothing done") does.
    /// </summary>
    private static async Task<(HttpStatusCode Status, string Body)> NotingNoAnswerAsync(Func<Task<(HttpStatusCode Status, string Body)>> request, Action noted)
    {
        try
        {
            return await request();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            noted();
            throw;
        }
    }

    // An enrolment session lives in its grain's memory: when that grain's silo dies, the session is gone and the patient starts again.
    private static bool SessionLost(HttpStatusCode status, string body) =>
        status == HttpStatusCode.NotFound && CodeOf(body) == "enrollment_not_found";

    /// <summary>Runs <paramref name="attempt"/> until it is answered other than transiently (5xx, 429, no answer, or <paramref name="alsoTransient"/>).</summary>
    private async Task OperationAsync(string operation, Random random, Func<AttemptContext, Task<(HttpStatusCode Status, string Body)>> attempt,
        Func<HttpStatusCode, string, bool>? alsoTransient = null)
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
                    _ when alsoTransient?.Invoke(status, body) == true => (AttemptOutcome.Transient, $"{(int)status} {CodeOf(body)}"),
                    _ => (AttemptOutcome.Unexpected, $"{(int)status} {CodeOf(body)}: {Ceremonies.Field(body, "detail") ?? Ceremonies.Field(body, "title") ?? body}"),
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
    public static Task<(HttpStatusCode Status, string Body)> SendAsync(HttpClient http, HttpMethod method, Uri api, string path, object? body = null) =>
        Ceremonies.SendAsync(http, method, api, path, body);

    /// <summary>A browser-like client: one cookie jar for every API process (they share one host, 127.0.0.1).</summary>
    public static HttpClient NewClient() => Ceremonies.NewBrowser(RequestTimeout);

    private static bool IsUnclear(HttpStatusCode status, string body) =>
        (int)status >= 500 && !((int)status == 503 && NothingDoneCodes.Contains(CodeOf(body)));

    /// <summary>The problem document's stable <c>code</c>, or empty.</summary>
    public static string CodeOf(string body) => Ceremonies.CodeOf(body);

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
