using System.Collections.Immutable;
using Identity.Grains.Consent;

namespace Identity.Api.Consent;

/// <summary>
/// FHIR search over Consents (PROFILES.md): <c>patient</c> (reference), <c>status</c> (token, comma = or), <c>actor</c>
/// (reference or <c>system|value</c>, any provision level), <c>purpose</c> (token, any provision level), <c>date</c>
/// (Consent.dateTime with eq/ne/lt/gt/le/ge/sa/eb prefixes; repeat to AND), and paging with <c>_count</c> and <c>_offset</c>
/// (<see cref="BundlePage"/>). Unknown parameters are refused rather than silently ignored. The same comparisons run in
/// memory (<see cref="Matches"/>, on one patient's consents and to re-check projection hits) and in the query projection's SQL
/// (<see cref="ToProjectionQuery"/>, across patients): both compare <see cref="ConsentSearchValues"/>.
/// </summary>
public sealed record ConsentSearch(
    Guid? Patient,
    ImmutableArray<string> Statuses,
    ImmutableArray<string> Actors,
    ImmutableArray<string> Purposes,
    ImmutableArray<ConsentDateFilter> Dates,
    BundlePage Page)
{
    private static readonly string[] Known = ["patient", "status", "actor", "purpose", "date", BundlePage.CountParameter, BundlePage.OffsetParameter, "_format"];

    public static (ConsentSearch? Search, string? Error) Parse(IQueryCollection query)
    {
        if (query.Keys.FirstOrDefault(k => !Known.Contains(k)) is { } unknown)
        {
            return (null, $"The search parameter '{unknown}' is not supported; supported: patient, status, actor, purpose, date, _count, _offset.");
        }
        Guid? patient = null;
        if (query.TryGetValue("patient", out var patients))
        {
            var value = patients.ToString();
            var id = value.StartsWith("Patient/", StringComparison.Ordinal) ? value["Patient/".Length..] : value;
            if (patients.Count != 1 || !Guid.TryParseExact(id, "D", out var parsed))
            {
                return (null, "patient must be one Patient/{id} (or {id}), where id is the patient's hl7_person_identifier.");
            }
            patient = parsed;
        }
        var dates = ImmutableArray.CreateBuilder<ConsentDateFilter>();
        foreach (var value in query["date"].OfType<string>())
        {
            var prefix = value is { Length: > 2 } && char.IsLetter(value[0]) ? value[..2] : "eq";
            var text = value[(value.Length > 0 && char.IsLetter(value[0]) ? 2 : 0)..];
            if (!ConsentDateFilter.Prefixes.Contains(prefix) || ConsentPeriod.Range(text) is not { } range)
            {
                return (null, $"date '{value}' must be a FHIR date or dateTime with an optional eq, ne, lt, gt, le, ge, sa or eb prefix.");
            }
            dates.Add(new ConsentDateFilter(prefix, range.First, range.AfterLast));
        }
        var (page, pageError) = BundlePage.Parse(query);
        if (page is null)
        {
            return (null, pageError);
        }
        return (new ConsentSearch(patient, Tokens(query["status"]), Tokens(query["actor"]), Tokens(query["purpose"]), dates.ToImmutable(), page), null);
    }

    public bool Matches(Hl7.Fhir.Model.Consent consent)
    {
        var values = ConsentSearchValues.Of(consent);
        if (!Statuses.IsEmpty && !Statuses.Contains(values.Status))
        {
            return false;
        }
        if (!Actors.IsEmpty && !values.Actors.Any(Actors.Contains))
        {
            return false;
        }
        if (!Purposes.IsEmpty && !values.Purposes.Any(Purposes.Contains))
        {
            return false;
        }
        if (Dates.IsEmpty)
        {
            return true;
        }
        return values is { DateFirst: { } first, DateAfterLast: { } afterLast } && Dates.All(d => d.Matches(first, afterLast));
    }

    /// <summary>This search across every patient, as the query projection runs it (<see cref="Patient"/> is not part of it).</summary>
    public ConsentProjectionQuery ToProjectionQuery() => new()
    {
        Statuses = Statuses,
        Actors = Actors,
        Purposes = Purposes,
        Dates = Dates,
        Offset = Page.Offset,
        Count = Page.Count,
    };

    private static ImmutableArray<string> Tokens(Microsoft.Extensions.Primitives.StringValues values) =>
        [.. values.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];
}
