using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Identity.Api.Audit;
using Identity.Api.Passkeys;
using Identity.Grains.Audit;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.Options;

namespace Identity.Api.Apis;

/// <summary>
/// The audit trail's read side. A signed-in patient reads and verifies their own chain (<c>patient=me</c>).
/// Everything else (other patients, all chains, NDJSON export) needs the <see cref="ReadPolicy"/> policy, which
/// compliance clients satisfy with a client-credentials access token carrying <c>audit.read</c> from the token service
/// (a token without it gets 403). Compliance reads are themselves
/// audited (DICOM Audit Log Used), in the chain of the patient they concern.
/// </summary>
public static class AuditApi
{
    public const string ReadPolicy = "audit.read";
    public const string ReadScope = Tokens.TokenScopes.AuditRead;
    public const string FhirJson = "application/fhir+json";
    public const string FhirNdjson = "application/fhir+ndjson";

    private const string InsufficientScope = "audit.read.insufficient_scope";

    private static readonly JsonSerializerOptions Fhir = new JsonSerializerOptions().ForFhir();

    public static WebApplication MapAudit(this WebApplication app)
    {
        var audit = app.MapGroup("/audit").WithTags("Audit");
        audit.MapGet("/verify", Verify)
            .WithSummary("Proves a patient's audit chain (patient=me for your own; any patient or all chains with audit.read), or names its first broken entry.");
        audit.MapGet("/export", Export)
            .WithSummary("NDJSON export (application/fhir+ndjson) of the AuditEvents recorded in [from, to); needs audit.read.");

        var fhir = app.MapGroup("/fhir/AuditEvent").WithTags("Audit");
        fhir.MapGet("/", Search)
            .WithSummary("FHIR AuditEvent search (patient, agent, action, outcome, type, entity-type, purpose, date, _count, _offset): patient=me for your own access log; anything else needs audit.read.");
        fhir.MapGet("/{id}", Read).WithSummary("One AuditEvent: your own, or any with audit.read.");
        return app;
    }

    private static async Task<IResult> Verify(HttpContext http, AuditStore store, string? patient)
    {
        var own = PatientSession.PersonIdentifier(http.User);
        var asked = patient is null ? (Guid?)null
            : patient == AuditSearchParameters.Me ? own
            : Guid.TryParseExact(patient.Replace("Patient/", "", StringComparison.Ordinal), "D", out var id) ? id
            : Guid.Empty;
        if (patient is not null && asked is null)
        {
            return Hosting.Problems.Create(StatusCodes.Status401Unauthorized, "authentication_required", "Sign in with a passkey first.");
        }
        if (asked == Guid.Empty && patient is not null)
        {
            return Hosting.Problems.BadRequest("invalid_patient", "patient must be 'me', a patient id or Patient/{id}.");
        }
        if (asked is null || asked != own)
        {
            if (await ReaderAsync(http) is not { } reader)
            {
                return Denied(http, own);
            }
            await RecordReadAsync(http, reader, asked, $"GET /audit/verify{http.Request.QueryString}");
        }
        var chains = asked is { } one ? [one] : await store.ChainsAsync(http.RequestAborted);
        var reports = new List<object>();
        var intact = true;
        foreach (var chain in chains)
        {
            var report = await store.VerifyAsync(chain, http.RequestAborted);
            intact &= report.Intact;
            reports.Add(Describe(report));
        }
        return TypedResults.Ok(new { intact, chains = reports });
    }

    /// <summary>
    /// The patient behind an app's bearer token with <c>patient/AuditEvent.rs</c> (such tokens carry this service's
    /// audience): the patient's own access log, read through an app they approved. Null for no or another kind of token.
    /// </summary>
    private static async Task<Guid?> PatientOfTokenAsync(HttpContext http)
    {
        if (!http.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            || await Consent.ConsentCaller.ResolveAsync(http) is not { Patient: { } patient } caller)
        {
            return null;
        }
        return caller.Scopes.Any(scope => Tokens.SmartScope.Parse(scope) is { Context: "patient", ResourceType: "AuditEvent" } smart
            && smart.Permissions.Contains('s')) ? patient : null;
    }

    private static async Task<IResult> Search(HttpContext http, AuditStore store)
    {
        var (query, mine, error) = AuditSearchParameters.Parse(http.Request.Query);
        if (query is null)
        {
            return Outcome(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, error!);
        }
        var own = PatientSession.PersonIdentifier(http.User) ?? await PatientOfTokenAsync(http);
        if (mine || (query.Patient is { } asked && asked == own && own is not null))
        {
            if (own is null)
            {
                return Outcome(StatusCodes.Status401Unauthorized, OperationOutcome.IssueType.Login,
                    "Sign in with a passkey, or send a patient/AuditEvent.rs access token, to see your access log.");
            }
            query = query with { Patient = own };
        }
        else if (await ReaderAsync(http) is { } reader)
        {
            await RecordReadAsync(http, reader, query.Patient, $"GET /fhir/AuditEvent{http.Request.QueryString}");
        }
        else
        {
            return own is not null
                ? Outcome(StatusCodes.Status403Forbidden, OperationOutcome.IssueType.Forbidden, "Patients may search only their own access log (patient=me).")
                : LacksReadScope(http)
                ? Outcome(StatusCodes.Status403Forbidden, OperationOutcome.IssueType.Forbidden, "This access token does not carry the audit.read scope.")
                : Outcome(StatusCodes.Status401Unauthorized, OperationOutcome.IssueType.Login, "Searching the audit trail needs an audit.read access token; patients use patient=me.");
        }

        // Pages after the first see the trail as it was when the first was read (newest first, so new entries would shift them).
        query = query with { Snapshot = query.Snapshot ?? http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow() };
        var page = await store.SearchAsync(query, http.RequestAborted);
        var self = $"{BaseUrl(http)}/fhir/AuditEvent{http.Request.QueryString}";
        var bundle = new Bundle
        {
            Type = Bundle.BundleType.Searchset,
            Total = (int)Math.Min(page.Total, int.MaxValue),
            Timestamp = DateTimeOffset.UtcNow,
        };
        bundle.Link.Add(new Bundle.LinkComponent { Relation = "self", Url = self });
        if (query.Offset + page.Entries.Count < page.Total && query.Count > 0)
        {
            bundle.Link.Add(new Bundle.LinkComponent { Relation = "next", Url = WithOffset(http, query.Offset + query.Count, query.Snapshot.Value) });
        }
        if (query.Offset > 0)
        {
            bundle.Link.Add(new Bundle.LinkComponent { Relation = "previous", Url = WithOffset(http, Math.Max(0, query.Offset - query.Count), query.Snapshot.Value) });
        }
        foreach (var entry in page.Entries)
        {
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                FullUrl = $"{BaseUrl(http)}/fhir/AuditEvent/{entry.Index.EventId}",
                Resource = AuditEventJson.Parse(entry.EventJson),
                Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match },
            });
        }
        return Results.Text(JsonSerializer.Serialize(bundle, Fhir), FhirJson, Encoding.UTF8);
    }

    private static async Task<IResult> Read(string id, HttpContext http, AuditStore store)
    {
        var own = PatientSession.PersonIdentifier(http.User);
        var entry = await store.FindAsync(id, http.RequestAborted);
        if (entry is null || own is null || entry.Chain != own)
        {
            if (await ReaderAsync(http) is not { } reader)
            {
                return own is not null
                    ? Outcome(StatusCodes.Status404NotFound, OperationOutcome.IssueType.NotFound, "No such AuditEvent in your access log.")
                    : LacksReadScope(http)
                    ? Outcome(StatusCodes.Status403Forbidden, OperationOutcome.IssueType.Forbidden, "This access token does not carry the audit.read scope.")
                    : Outcome(StatusCodes.Status401Unauthorized, OperationOutcome.IssueType.Login, "Reading the audit trail needs an audit.read access token or your own sign-in.");
            }
            await RecordReadAsync(http, reader, entry?.Chain is { } chain && chain != AuditChains.System ? chain : null, $"GET /fhir/AuditEvent/{id}");
        }
        return entry is null
            ? Outcome(StatusCodes.Status404NotFound, OperationOutcome.IssueType.NotFound, "No such AuditEvent.")
            : Results.Text(entry.EventJson, FhirJson, Encoding.UTF8);
    }

    private static async Task<IResult> Export(HttpContext http, AuditStore store, string? from, string? to)
    {
        if (await ReaderAsync(http) is not { } reader)
        {
            return Denied(http, PatientSession.PersonIdentifier(http.User));
        }
        if (!DateTimeOffset.TryParse(from, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var start)
            || !DateTimeOffset.TryParse(to, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var end)
            || end <= start)
        {
            return Hosting.Problems.BadRequest("invalid_period", "Give the period as from and to (ISO 8601 dates or instants, to after from).");
        }
        await RecordReadAsync(http, reader, null, $"GET /audit/export{http.Request.QueryString}");
        return new NdjsonResult(store.ExportAsync(start, end, http.RequestAborted));
    }

    /// <summary>
    /// The audit.read caller, or null. The policy names its own schemes, so they are authenticated here; a caller they
    /// authenticate without the scope (e.g. an admin or network token) is remembered for a 403 instead of a 401.
    /// </summary>
    private static async Task<ClaimsPrincipal?> ReaderAsync(HttpContext http)
    {
        var policy = await http.RequestServices.GetRequiredService<IAuthorizationPolicyProvider>().GetPolicyAsync(ReadPolicy);
        if (policy is null)
        {
            return null;
        }
        var evaluator = http.RequestServices.GetRequiredService<IPolicyEvaluator>();
        var user = http.User;
        try
        {
            var authentication = await evaluator.AuthenticateAsync(policy, http);
            var authorization = await evaluator.AuthorizeAsync(policy, authentication, http, null);
            http.Items[InsufficientScope] = authentication.Succeeded && !authorization.Succeeded;
            return authorization.Succeeded ? authentication.Principal ?? http.User : null;
        }
        finally
        {
            // The evaluator replaces HttpContext.User with the policy schemes' principal; the patient's session stays the caller.
            http.User = user;
        }
    }

    private static async System.Threading.Tasks.Task RecordReadAsync(HttpContext http, ClaimsPrincipal reader, Guid? patient, string query)
    {
        var settings = http.RequestServices.GetRequiredService<IOptions<AuditSettings>>().Value;
        var time = http.RequestServices.GetRequiredService<TimeProvider>();
        var clientId = reader.FindFirstValue("client_id") ?? reader.FindFirstValue("azp") ?? reader.FindFirstValue(ClaimTypes.NameIdentifier) ?? "unknown";
        var requestor = new ResourceReference { Identifier = new Identifier("urn:identityconsent:client", clientId) };
        var context = new AuditContext(settings.Site, http.Connection.RemoteIpAddress?.ToString(), time.GetUtcNow());
        await http.RequestServices.GetRequiredService<IAuditTrail>().RecordAsync(
            BalpAuditEvents.AuditLogUsed(context, requestor, BalpCodes.Compliance, patient == AuditChains.System ? null : patient, query),
            http.RequestAborted);
    }

    private static object Describe(AuditChainReport report) => new
    {
        chain = AuditChains.Describe(report.Chain),
        intact = report.Intact,
        entries = report.Entries,
        firstSequence = report.FirstSequence,
        lastSequence = report.LastSequence,
        headHash = report.HeadHash,
        anchor = report.Anchor is { } anchor
            ? new { sequence = anchor.Sequence, hash = Convert.ToHexStringLower(anchor.Hash), lastPurgedRecorded = anchor.LastPurgedRecorded, purgedAt = anchor.PurgedAt }
            : null,
        firstBroken = report.FirstBreak is { } broken
            ? new { sequence = broken.Sequence, kind = JsonNamingPolicy.SnakeCaseLower.ConvertName(broken.Kind.ToString()), message = broken.Message }
            : null,
    };

    private static IResult Denied(HttpContext http, Guid? own) =>
        own is not null ? Hosting.Problems.Create(StatusCodes.Status403Forbidden, "audit_read_required", "Patients may verify only their own chain (patient=me).")
        : LacksReadScope(http) ? Hosting.Problems.Create(StatusCodes.Status403Forbidden, "audit_read_required", "This access token does not carry the audit.read scope.")
        : Hosting.Problems.Create(StatusCodes.Status401Unauthorized, "authentication_required", "Sign in, or present an audit.read access token.");

    private static bool LacksReadScope(HttpContext http) => http.Items.TryGetValue(InsufficientScope, out var value) && value is true;

    private static IResult Outcome(int status, OperationOutcome.IssueType code, string message)
    {
        var outcome = new OperationOutcome();
        outcome.Issue.Add(new OperationOutcome.IssueComponent { Severity = OperationOutcome.IssueSeverity.Error, Code = code, Diagnostics = message });
        return Results.Text(JsonSerializer.Serialize(outcome, Fhir), FhirJson, Encoding.UTF8, status);
    }

    private static string BaseUrl(HttpContext http) => $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}";

    private static string WithOffset(HttpContext http, int offset, DateTimeOffset snapshot)
    {
        var parameters = http.Request.Query.Where(p => p.Key is not ("_offset" or "_snapshot"))
            .SelectMany(p => p.Value.Select(v => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(v ?? "")}"))
            .Append($"_snapshot={snapshot.ToUnixTimeMilliseconds()}")
            .Append($"_offset={offset}");
        return $"{BaseUrl(http)}/fhir/AuditEvent?{string.Join('&', parameters)}";
    }

    private sealed class NdjsonResult(IAsyncEnumerable<string> lines) : IResult
    {
        public async System.Threading.Tasks.Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.ContentType = FhirNdjson;
            await foreach (var line in lines)
            {
                await httpContext.Response.WriteAsync(line, httpContext.RequestAborted);
                await httpContext.Response.WriteAsync("\n", httpContext.RequestAborted);
            }
        }
    }
}
