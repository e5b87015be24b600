using System.Collections.Immutable;
using Identity.Grains.Consent;

namespace Identity.Api.Consent;

/// <summary>
/// FHIR search over Consents (PROFILES.md): <c>patient</c> (reference), <c>status</c> (token, comma = or), <c>actor</c>
/// (reference or <c>system|value</c>, any provision level), <c>purpose</c> (token, any provision level), <c>date</c>
/// (Consent.dateTime with eq/ne/lt/gt/le/ge/sa/eb prefixes; repeat to AND), and paging with <c>_count</c> and <c>_offset</c>
/// (<see cref="BundlePage"/>). Unknown parameters are refused rather than silently ignored.
/// </summary>
public sealed record ConsentSearch(
    Guid? Patient,
    ImmutableArray<string> Statuses,
    ImmutableArray<string> Actors,
    ImmutableArray<string> Purposes,
    ImmutableArray<(string Prefix, DateTimeOffset First, DateTimeOffset AfterLast)> Dates,
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
        var dates = ImmutableArray.CreateBuilder<(string, DateTimeOffset, DateTimeOffset)>();
        foreach (var value in query["date"].OfType<string>())
        {
            var prefix = value is { Length: > 2 } && char.IsLetter(value[0]) ? value[..2] : "eq";
            var text = value[(value.Length > 0 && char.IsLetter(value[0]) ? 2 : 0)..];
            if (prefix is not ("eq" or "ne" or "lt" or "gt" or "le" or "ge" or "sa" or "eb") || ConsentPeriod.Range(text) is not { } range)
            {
                return (null, $"date '{value}' must be a FHIR date or dateTime with an optional eq, ne, lt, gt, le, ge, sa or eb prefix.");
            }
            dates.Add((prefix, range.First, range.AfterLast));
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
        if (!Statuses.IsEmpty && !Statuses.Contains(Hl7.Fhir.Utility.EnumUtility.GetLiteral(consent.Status) ?? ""))
        {
            return false;
        }
        var provisions = consent.Provision is { } root ? Flatten(root).ToList() : [];
        if (!Actors.IsEmpty && !provisions.SelectMany(p => p.Actor).Any(a =>
                Actors.Contains(ConsentCodes.Actor(a.Reference?.Reference, a.Reference?.Identifier?.System, a.Reference?.Identifier?.Value))))
        {
            return false;
        }
        if (!Purposes.IsEmpty && !provisions.SelectMany(p => p.Purpose).Any(c => Purposes.Contains(c.Code ?? "") || Purposes.Contains($"{c.System}|{c.Code}")))
        {
            return false;
        }
        if (Dates.IsEmpty)
        {
            return true;
        }
        if (consent.DateTime is not { } written || ConsentPeriod.Range(written) is not { } at)
        {
            return false;
        }
        return Dates.All(d => d.Prefix switch
        {
            "eq" => at.First >= d.First && at.AfterLast <= d.AfterLast,
            "ne" => !(at.First >= d.First && at.AfterLast <= d.AfterLast),
            "lt" or "eb" => at.First < d.First,
            "gt" or "sa" => at.AfterLast > d.AfterLast,
            "le" => at.First < d.AfterLast,
            _ => at.AfterLast > d.First,
        });
    }

    private static ImmutableArray<string> Tokens(Microsoft.Extensions.Primitives.StringValues values) =>
        [.. values.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];

    private static IEnumerable<Hl7.Fhir.Model.Consent.provisionComponent> Flatten(Hl7.Fhir.Model.Consent.provisionComponent provision) =>
        provision.Provision.SelectMany(Flatten).Prepend(provision);
}
