using System.Globalization;
using System.Text;
using Hl7.Fhir.Model;
using Identity.Api.Audit;
using Identity.Api.Consent;
using Identity.Grains.Audit;
using Identity.Grains.Consent;
using Microsoft.AspNetCore.Routing;

namespace Identity.Api.Apis;

/// <summary>
/// FHIR R4 Consent under <c>/fhir</c> (PROFILES.md "Consent"): create, read, vread, update with <c>If-Match</c>
/// (ETag <c>W/"versionId"</c>; 428 without it, 412 when stale), search (patient, status, actor, purpose, date),
/// <c>_history</c> of one consent or of all the caller may see, paged Bundles (<c>_count</c>, <c>_offset</c>, links),
/// and <c>/fhir/metadata</c>. Bodies are <c>application/fhir+json</c>, at most 1 MiB and 64 JSON
/// levels; every refusal is an OperationOutcome with a 4xx and nothing is stored. Consents are never deleted:
/// setting status inactive withdraws one (and ends the OAuth grant it may record).
/// </summary>
public static class ConsentApi
{
    public static IEndpointRouteBuilder MapConsentApi(this IEndpointRouteBuilder app)
    {
        var fhir = app.MapGroup("/fhir").WithTags("Consent (FHIR R4)").DisableAntiforgery();
        fhir.MapGet("/metadata", Metadata).WithSummary("CapabilityStatement: what this FHIR endpoint serves.");
        var consent = fhir.MapGroup("/Consent").AddEndpointFilter<Hosting.SameOriginFilter>();
        consent.MapPost("/", CreateAsync).WithSummary("Create a Consent for yourself (patient/Consent.c or your sign-in).");
        consent.MapGet("/", SearchAsync).WithSummary("Search: patient, status, actor, purpose, date; paged with _count and _offset.");
        consent.MapGet("/_history", TypeHistoryAsync).WithSummary("Every version of every consent you may read, newest first; _since, _count, _offset.");
        consent.MapGet("/{id}", ReadAsync).WithSummary("The current version.");
        consent.MapPut("/{id}", UpdateAsync).WithSummary("A new version; If-Match: W/\"versionId\" required.");
        consent.MapGet("/{id}/_history", HistoryAsync).WithSummary("Every version, newest first; _count, _offset.");
        consent.MapGet("/{id}/_history/{versionId}", VersionAsync).WithSummary("One version (vread).");
        return app;
    }

    private static IResult Metadata(HttpContext http, EndpointDataSource endpoints, TimeProvider time)
    {
        var hasAuditEvent = endpoints.Endpoints.OfType<RouteEndpoint>()
            .Any(e => e.RoutePattern.RawText?.TrimEnd('/').Equals("/fhir/AuditEvent", StringComparison.OrdinalIgnoreCase) == true);
        return FhirResponses.Resource(ConsentCapabilityStatement.Build(FhirResponses.BaseUrl(http), hasAuditEvent, time.GetUtcNow()));
    }

    private static async Task<IResult> CreateAsync(HttpContext http, PatientConsents consents)
    {
        if (await ConsentCaller.ResolveAsync(http) is not { } caller)
        {
            return FhirResponses.Unauthenticated();
        }
        var (consent, json, refusal) = await ReadBodyAsync(http);
        if (refusal is not null)
        {
            return refusal;
        }
        if (PatientOf(consent!) is not { } patient)
        {
            return FhirResponses.Outcome(422, "business-rule", "Consent.patient must reference Patient/{hl7_person_identifier}.", "Consent.patient");
        }
        if (!caller.MayWrite(patient, 'c'))
        {
            return FhirResponses.Forbidden("You may create consents only for yourself (a signed-in patient, or patient/Consent.c for your own record).");
        }
        var result = await consents.CreateAsync(patient, json!, caller.Author, caller.Requestor, http.Connection.RemoteIpAddress?.ToString(), http.RequestAborted);
        return result.Status == ConsentWriteStatus.Done
            ? FhirResponses.Version(http, result.Version!, StatusCodes.Status201Created)
            : WriteRefused(result);
    }

    private static async Task<IResult> UpdateAsync(string id, HttpContext http, PatientConsents consents, IGrainFactory grains)
    {
        if (await ConsentCaller.ResolveAsync(http) is not { } caller)
        {
            return FhirResponses.Unauthenticated();
        }
        var ifMatch = http.Request.Headers.IfMatch.ToString();
        if (ifMatch.Length == 0)
        {
            return FhirResponses.Outcome(StatusCodes.Status428PreconditionRequired, "business-rule",
                "Updates need If-Match with the ETag of the version you changed, e.g. If-Match: W/\"1\".");
        }
        if (ParseETag(ifMatch) is not { } expected)
        {
            return FhirResponses.Outcome(StatusCodes.Status400BadRequest, "value", "If-Match must be a version ETag such as W/\"1\".");
        }
        var (consent, json, refusal) = await ReadBodyAsync(http);
        if (refusal is not null)
        {
            return refusal;
        }
        if (consent!.Id != id)
        {
            return FhirResponses.Outcome(StatusCodes.Status400BadRequest, "invalid", $"The body's id must be '{id}', the id in the URL.", "Consent.id");
        }
        var owner = await OwnerAsync(grains, id);
        if (owner is null || !caller.MayRead(owner.Value) && !caller.MayWrite(owner.Value, 'u'))
        {
            return FhirResponses.NotFound($"No Consent '{id}' (consents are created with POST).");
        }
        if (PatientOf(consent) != owner)
        {
            return FhirResponses.Outcome(422, "business-rule", "Consent.patient cannot change: a consent stays with its patient.", "Consent.patient");
        }
        if (!caller.MayWrite(owner.Value, 'u'))
        {
            return FhirResponses.Forbidden("You may change only your own consents (a signed-in patient, or patient/Consent.u).");
        }
        var result = await consents.UpdateAsync(owner.Value, id, json!, expected, caller.Author, caller.Requestor, http.Connection.RemoteIpAddress?.ToString(), http.RequestAborted);
        return result.Status == ConsentWriteStatus.Done ? FhirResponses.Version(http, result.Version!) : WriteRefused(result);
    }

    private static async Task<IResult> ReadAsync(string id, HttpContext http, IGrainFactory grains, IAuditTrail audit, PatientConsents consents) =>
        await VersionOrRefusalAsync(id, null, http, grains, audit, consents);

    private static async Task<IResult> VersionAsync(string id, string versionId, HttpContext http, IGrainFactory grains, IAuditTrail audit, PatientConsents consents) =>
        int.TryParse(versionId, NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            ? await VersionOrRefusalAsync(id, version, http, grains, audit, consents)
            : FhirResponses.NotFound($"Consent '{id}' has no version '{versionId}'.");

    private static async Task<IResult> VersionOrRefusalAsync(string id, int? versionId, HttpContext http, IGrainFactory grains, IAuditTrail audit, PatientConsents consents)
    {
        if (await ConsentCaller.ResolveAsync(http) is not { } caller)
        {
            return FhirResponses.Unauthenticated();
        }
        var owner = await OwnerAsync(grains, id);
        // Someone else's consent is "not found", not "forbidden": its existence is not disclosed.
        if (owner is null || !caller.MayRead(owner.Value)
            || await grains.GetGrain<IPatientConsentGrain>(owner.Value).ReadAsync(id, versionId) is not { } version)
        {
            return FhirResponses.NotFound(versionId is null ? $"No Consent '{id}'." : $"No version {versionId} of Consent '{id}'.");
        }
        // BALP PatientRead, in the patient's chain, stored before the reply (AuditUnavailableException → 503).
        await audit.RecordAsync(ConsentAuditEvents.Accessed(consents.Context(http.Connection.RemoteIpAddress?.ToString()), owner.Value,
            caller.Requestor, PurposeOf(caller, owner.Value), versionId is null ? ConsentAuditEvents.FhirInteraction.Read : ConsentAuditEvents.FhirInteraction.VRead,
            $"Consent/{id}/_history/{version.VersionId}", null), http.RequestAborted);
        return FhirResponses.Version(http, version);
    }

    private static async Task<IResult> HistoryAsync(string id, HttpContext http, IGrainFactory grains, IAuditTrail audit, PatientConsents consents)
    {
        if (await ConsentCaller.ResolveAsync(http) is not { } caller)
        {
            return FhirResponses.Unauthenticated();
        }
        var (parameters, refusal) = HistoryParameters(http.Request.Query, since: false);
        if (parameters is null)
        {
            return refusal!;
        }
        var owner = await OwnerAsync(grains, id);
        if (owner is null || !caller.MayRead(owner.Value))
        {
            return FhirResponses.NotFound($"No Consent '{id}'.");
        }
        var versions = await grains.GetGrain<IPatientConsentGrain>(owner.Value).HistoryAsync(id);
        // BALP PatientQuery (history-instance), in the patient's chain, stored before the reply.
        await audit.RecordAsync(ConsentAuditEvents.Accessed(consents.Context(http.Connection.RemoteIpAddress?.ToString()), owner.Value,
            caller.Requestor, PurposeOf(caller, owner.Value), ConsentAuditEvents.FhirInteraction.History, $"Consent/{id}", RequestLine(http)), http.RequestAborted);
        var page = parameters.Value.Page;
        return HistoryBundle(http, $"{FhirResponses.BaseUrl(http)}/fhir/Consent/{id}/_history", page, versions.Length, [.. page.Of(versions)]);
    }

    /// <summary>
    /// <c>GET /fhir/Consent/_history</c>: every version of every consent the caller may read, newest first: a patient's own
    /// (signed in, or patient/Consent.s), everyone's with system/Consent.rs. Audited like a search: one BALP PatientQuery
    /// (history-type) per patient whose versions are on the page, or one for the caller's own record, or one in the system chain.
    /// </summary>
    private static async Task<IResult> TypeHistoryAsync(HttpContext http, IGrainFactory grains, IAuditTrail audit, PatientConsents consents)
    {
        if (await ConsentCaller.ResolveAsync(http) is not { } caller)
        {
            return FhirResponses.Unauthenticated();
        }
        var (parameters, refusal) = HistoryParameters(http.Request.Query, since: true);
        if (parameters is null)
        {
            return refusal!;
        }
        var (page, since) = parameters.Value;
        var url = $"{FhirResponses.BaseUrl(http)}/fhir/Consent/_history";
        if (caller.MaySearch(null))
        {
            // Across patients the projection lists the versions and pages them; each is then read from its patient grain.
            var found = await grains.GetGrain<IConsentSearchGrain>(0).HistoryAsync(since, page.Offset, page.Count);
            var read = await System.Threading.Tasks.Task.WhenAll(found.Hits.Select(async h =>
                (h.Patient, Version: await grains.GetGrain<IPatientConsentGrain>(h.Patient).ReadAsync(h.ConsentId, h.VersionId))));
            var hits = read.Where(h => h.Version is not null).ToList();
            await AuditQueryAsync(http, caller, null, hits.Select(h => h.Patient), ConsentAuditEvents.FhirInteraction.HistoryType, audit, consents);
            return HistoryBundle(http, url, page, found.Total, [.. hits.Select(h => h.Version!)]);
        }
        if (caller.Patient is not { } own || !caller.MaySearch(own))
        {
            return FhirResponses.Forbidden("You may read the history of your own consents; everyone's needs system/Consent.rs.");
        }
        var versions = (await grains.GetGrain<IPatientConsentGrain>(own).HistoryAsync())
            .Where(v => since is not { } from || v.RecordedAt >= from)
            .OrderByDescending(v => v.RecordedAt).ThenBy(v => v.ConsentId, StringComparer.Ordinal).ThenByDescending(v => v.VersionId).ToList();
        await AuditQueryAsync(http, caller, own, [], ConsentAuditEvents.FhirInteraction.HistoryType, audit, consents);
        return HistoryBundle(http, url, page, versions.Count, [.. page.Of(versions)]);
    }

    /// <summary>Paging (and for the type level <c>_since</c>, a FHIR instant: versions recorded at or after it); anything else is refused.</summary>
    private static ((BundlePage Page, DateTimeOffset? Since)? Parameters, IResult? Refusal) HistoryParameters(IQueryCollection query, bool since)
    {
        string[] known = since ? [BundlePage.CountParameter, BundlePage.OffsetParameter, "_since", "_format"] : [BundlePage.CountParameter, BundlePage.OffsetParameter, "_format"];
        if (query.Keys.FirstOrDefault(k => !known.Contains(k)) is { } unknown)
        {
            return (null, FhirResponses.Outcome(StatusCodes.Status400BadRequest, "not-supported",
                $"The parameter '{unknown}' is not supported on _history; supported: {string.Join(", ", known.SkipLast(1))}."));
        }
        var (page, error) = BundlePage.Parse(query);
        if (page is null)
        {
            return (null, FhirResponses.Outcome(StatusCodes.Status400BadRequest, "invalid", error!));
        }
        DateTimeOffset? from = null;
        if (query.TryGetValue("_since", out var values))
        {
            if (values.Count != 1 || ConsentPeriod.Range(values.ToString()) is not { } range)
            {
                return (null, FhirResponses.Outcome(StatusCodes.Status400BadRequest, "invalid", "_since must be one FHIR instant, e.g. 2026-01-31T12:00:00Z."));
            }
            from = range.First;
        }
        return ((page, from), null);
    }

    /// <summary>A history Bundle of <paramref name="total"/> versions with the page <paramref name="versions"/> as its entries.</summary>
    private static IResult HistoryBundle(HttpContext http, string url, BundlePage page, int total, IReadOnlyList<ConsentVersion> versions)
    {
        var bundle = new Bundle { Type = Bundle.BundleType.History, Total = total, Timestamp = DateTimeOffset.UtcNow };
        page.Link(bundle, url, http.Request.Query, total);
        foreach (var version in versions)
        {
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                FullUrl = $"{FhirResponses.BaseUrl(http)}/fhir/Consent/{version.ConsentId}",
                Resource = ConsentResourceReader.Read(version.Json).Consent,
                Request = new Bundle.RequestComponent
                {
                    Method = version.VersionId == 1 ? Bundle.HTTPVerb.POST : Bundle.HTTPVerb.PUT,
                    Url = version.VersionId == 1 ? "Consent" : $"Consent/{version.ConsentId}",
                },
                Response = new Bundle.ResponseComponent
                {
                    Status = version.VersionId == 1 ? "201" : "200",
                    Etag = version.ETag,
                    LastModified = version.RecordedAt,
                },
            });
        }
        return FhirResponses.Resource(bundle);
    }

    private static async Task<IResult> SearchAsync(HttpContext http, IGrainFactory grains, IAuditTrail audit, PatientConsents consents)
    {
        if (await ConsentCaller.ResolveAsync(http) is not { } caller)
        {
            return FhirResponses.Unauthenticated();
        }
        var (search, error) = ConsentSearch.Parse(http.Request.Query);
        if (search is null)
        {
            return FhirResponses.Outcome(StatusCodes.Status400BadRequest, "not-supported", error!);
        }
        if (search.Patient is null && !caller.MaySearch(null) && caller.Patient is { } own)
        {
            search = search with { Patient = own };
        }
        if (!caller.MaySearch(search.Patient))
        {
            return FhirResponses.Forbidden("You may search only your own consents; searching others' needs system/Consent.rs.");
        }
        var (total, page) = search.Patient is { } one ? await SearchPatientAsync(grains, search, one) : await SearchEveryoneAsync(grains, search);
        await AuditQueryAsync(http, caller, search.Patient, page.Select(c => PatientOf(c)).OfType<Guid>(), ConsentAuditEvents.FhirInteraction.Search, audit, consents);
        var bundle = new Bundle { Type = Bundle.BundleType.Searchset, Total = total, Timestamp = DateTimeOffset.UtcNow };
        search.Page.Link(bundle, $"{FhirResponses.BaseUrl(http)}/fhir/Consent", http.Request.Query, total);
        foreach (var consent in page)
        {
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                FullUrl = $"{FhirResponses.BaseUrl(http)}/fhir/Consent/{consent.Id}",
                Resource = consent,
                Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match },
            });
        }
        return FhirResponses.Resource(bundle);
    }

    /// <summary>One patient's consents: all of them from the patient's grain, matched and paged here.</summary>
    private static async Task<(int Total, List<Hl7.Fhir.Model.Consent> Page)> SearchPatientAsync(IGrainFactory grains, ConsentSearch search, Guid patient)
    {
        var matches = new List<Hl7.Fhir.Model.Consent>();
        foreach (var version in await grains.GetGrain<IPatientConsentGrain>(patient).CurrentAsync())
        {
            if (ConsentResourceReader.Read(version.Json).Consent is { } consent && search.Matches(consent))
            {
                matches.Add(consent);
            }
        }
        return (matches.Count, search.Page.Of(matches).ToList());
    }

    /// <summary>
    /// Everyone's consents (compliance): the query projection finds, counts and pages the matches; each on the page is then
    /// read from its patient grain and checked again, so a projection row that lags behind its grain never returns a consent
    /// that does not match now (the total counts what the projection matched).
    /// </summary>
    private static async Task<(int Total, List<Hl7.Fhir.Model.Consent> Page)> SearchEveryoneAsync(IGrainFactory grains, ConsentSearch search)
    {
        var found = await grains.GetGrain<IConsentSearchGrain>(0).SearchAsync(search.ToProjectionQuery());
        var current = await System.Threading.Tasks.Task.WhenAll(found.Hits.Select(h => grains.GetGrain<IPatientConsentGrain>(h.Patient).ReadAsync(h.ConsentId)));
        var page = current.OfType<ConsentVersion>()
            .Select(v => ConsentResourceReader.Read(v.Json).Consent)
            .OfType<Hl7.Fhir.Model.Consent>()
            .Where(search.Matches)
            .ToList();
        return (found.Total, page);
    }

    /// <summary>The patient a consent id belongs to, from the query projection (ids are bound before a consent is stored).</summary>
    private static Task<Guid?> OwnerAsync(IGrainFactory grains, string id) => grains.GetGrain<IConsentSearchGrain>(0).PatientOfAsync(id);

    /// <summary>
    /// BALP PatientQuery for a search or type-level history, stored before the reply. A query about one patient is one event
    /// in that patient's chain (also when nothing matched). A compliance query across patients follows BALP PatientQuery,
    /// which asks for one AuditEvent per patient whose data is in the result set (so each patient's access log and chain show
    /// it): one event per patient on the page returned, each carrying the same query; when it returned nobody's data, one
    /// event in the system chain.
    /// </summary>
    private static async System.Threading.Tasks.Task AuditQueryAsync(HttpContext http, ConsentCaller caller, Guid? searched, IEnumerable<Guid> returned,
        ConsentAuditEvents.FhirInteraction interaction, IAuditTrail audit, PatientConsents consents)
    {
        var context = consents.Context(http.Connection.RemoteIpAddress?.ToString());
        var query = RequestLine(http);
        IEnumerable<Guid?> patients = searched is { } one ? [one] : returned.Distinct().Select(p => (Guid?)p).ToList();
        if (!patients.Any())
        {
            patients = [null];
        }
        foreach (var patient in patients)
        {
            await audit.RecordAsync(ConsentAuditEvents.Accessed(context, patient, caller.Requestor,
                patient is { } p ? PurposeOf(caller, p) : BalpCodes.Compliance, interaction, null, query), http.RequestAborted);
        }
    }

    /// <summary>Patients reading their own consents do so at their request; anyone else (system/Consent.rs) for compliance.</summary>
    private static CodeableConcept PurposeOf(ConsentCaller caller, Guid patient) =>
        caller.Patient == patient ? BalpCodes.PatientRequested : BalpCodes.Compliance;

    /// <summary>The request line as BALP's entity.query: method, path and search parameters (references and codes only, no body).</summary>
    private static string RequestLine(HttpContext http) => $"{http.Request.Method} {http.Request.Path}{http.Request.QueryString}";

    /// <summary>The body as a validated Consent and its JSON, or the OperationOutcome to answer with.</summary>
    private static async Task<(Hl7.Fhir.Model.Consent? Consent, string? Json, IResult? Refusal)> ReadBodyAsync(HttpContext http)
    {
        var contentType = http.Request.ContentType ?? "";
        if (!contentType.StartsWith("application/fhir+json", StringComparison.OrdinalIgnoreCase)
            && !contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return (null, null, FhirResponses.Outcome(StatusCodes.Status415UnsupportedMediaType, "not-supported", "Send the Consent as application/fhir+json."));
        }
        if (http.Request.ContentLength > ConsentResourceReader.MaxBytes)
        {
            return (null, null, TooLarge());
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await http.Request.Body.ReadAsync(chunk, http.RequestAborted)) > 0)
        {
            if (buffer.Length + read > ConsentResourceReader.MaxBytes)
            {
                return (null, null, TooLarge());
            }
            buffer.Write(chunk, 0, read);
        }
        var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        var (consent, failure) = ConsentResourceReader.Read(bytes);
        return failure is not null
            ? (null, null, FhirResponses.Refused(failure))
            : (consent, Encoding.UTF8.GetString(bytes), null);
    }

    private static IResult TooLarge() => FhirResponses.Outcome(StatusCodes.Status413PayloadTooLarge, "too-long",
        $"A Consent may be at most {ConsentResourceReader.MaxBytes} bytes of JSON.");

    private static IResult WriteRefused(ConsentWriteResult result) => result.Status switch
    {
        ConsentWriteStatus.VersionConflict => FhirResponses.Outcome(StatusCodes.Status412PreconditionFailed, "conflict",
            $"The Consent changed: the current version is {result.Version!.VersionId} ({result.Version.ETag}); read it and apply your change again."),
        ConsentWriteStatus.NotFound => FhirResponses.NotFound("No such Consent."),
        ConsentWriteStatus.Invalid => FhirResponses.Refused(result.Failure!),
        _ => FhirResponses.Outcome(StatusCodes.Status409Conflict, "duplicate", "A Consent with this id exists already."),
    };

    private static Guid? PatientOf(Hl7.Fhir.Model.Consent consent) =>
        consent.Patient?.Reference is { } reference && reference.StartsWith("Patient/", StringComparison.Ordinal)
        && Guid.TryParseExact(reference["Patient/".Length..], "D", out var patient) ? patient : null;

    private static int? ParseETag(string value)
    {
        var tag = value.Trim();
        if (tag.StartsWith("W/", StringComparison.Ordinal))
        {
            tag = tag[2..];
        }
        tag = tag.Trim('"');
        return int.TryParse(tag, NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? version : null;
    }
}
