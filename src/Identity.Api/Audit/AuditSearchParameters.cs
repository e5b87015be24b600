using System.Globalization;
using Microsoft.Extensions.Primitives;

namespace Identity.Api.Audit;

/// <summary>
/// Reads FHIR AuditEvent search parameters: <c>patient</c> (id, <c>Patient/id</c> or <c>me</c>), <c>agent</c>,
/// <c>action</c>, <c>outcome</c>, <c>type</c>, <c>entity-type</c>, <c>purpose</c>, <c>date</c> (repeatable, prefixes
/// eq, ge, gt, le, lt; a date or a dateTime with zone), <c>_count</c>, <c>_offset</c> and <c>_snapshot</c> (paging links). Other parameters are ignored.
/// </summary>
public static class AuditSearchParameters
{
    public const string Me = "me";

    /// <summary>The query, whether the caller asked for their own events (<c>patient=me</c>), or the error for a 400.</summary>
    public static (AuditEventQuery? Query, bool Mine, string? Error) Parse(IQueryCollection parameters)
    {
        var query = new AuditEventQuery
        {
            Agent = Single(parameters, "agent"),
            Action = Single(parameters, "action"),
            Outcome = Single(parameters, "outcome"),
            Type = Single(parameters, "type"),
            EntityType = Single(parameters, "entity-type"),
            Purpose = Single(parameters, "purpose"),
        };
        var mine = false;
        if (Single(parameters, "patient") is { } patient)
        {
            var id = patient.StartsWith("Patient/", StringComparison.Ordinal) ? patient["Patient/".Length..] : patient;
            if (id == Me)
            {
                mine = true;
            }
            else if (Guid.TryParseExact(id, "D", out var guid))
            {
                query = query with { Patient = guid };
            }
            else
            {
                return (null, false, "patient must be 'me', a patient id or Patient/{id}.");
            }
        }
        if (query.Action is { } action && action is not ("C" or "R" or "U" or "D" or "E"))
        {
            return (null, false, "action must be one of C, R, U, D, E.");
        }
        if (query.Outcome is { } outcome && outcome is not ("0" or "4" or "8" or "12"))
        {
            return (null, false, "outcome must be one of 0, 4, 8, 12.");
        }
        foreach (var date in parameters["date"].Where(d => !string.IsNullOrEmpty(d)))
        {
            if (!TryApplyDate(date!, ref query))
            {
                return (null, false, $"date '{Shorten(date!)}' is not a FHIR date search value (e.g. ge2026-01-01 or lt2026-03-01T10:00:00Z).");
            }
        }
        if (Integer(parameters, "_count") is { } count)
        {
            if (count is < 0 or > AuditEventQuery.MaximumCount)
            {
                return (null, false, $"_count must be between 0 and {AuditEventQuery.MaximumCount}.");
            }
            query = query with { Count = count };
        }
        else if (parameters.ContainsKey("_count"))
        {
            return (null, false, "_count must be a whole number.");
        }
        if (Single(parameters, "_snapshot") is { } snapshot)
        {
            if (!long.TryParse(snapshot, NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds))
            {
                return (null, false, "_snapshot must be the value from a paging link.");
            }
            query = query with { Snapshot = DateTimeOffset.FromUnixTimeMilliseconds(milliseconds) };
        }
        if (Integer(parameters, "_offset") is int offset && offset >= 0)
        {
            query = query with { Offset = offset };
        }
        else if (parameters.ContainsKey("_offset"))
        {
            return (null, false, "_offset must be a whole number, 0 or more.");
        }
        return (query, mine, null);
    }

    private static bool TryApplyDate(string value, ref AuditEventQuery query)
    {
        var prefix = value.Length > 2 && char.IsLetter(value[0]) ? value[..2] : "eq";
        var text = value.Length > 2 && char.IsLetter(value[0]) ? value[2..] : value;
        DateTimeOffset start;
        DateTimeOffset end;
        if (text.Length == 10 && DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            start = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            end = start.AddDays(1);
        }
        else if (text.Contains('T', StringComparison.Ordinal) && (text.EndsWith('Z') || text.LastIndexOfAny(['+', '-']) > text.IndexOf('T', StringComparison.Ordinal))
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant))
        {
            start = instant;
            end = instant.AddMilliseconds(1);
        }
        else
        {
            return false;
        }
        switch (prefix)
        {
            case "eq":
                query = query with { From = Later(query.From, start), Before = Earlier(query.Before, end) };
                return true;
            case "ge":
                query = query with { From = Later(query.From, start) };
                return true;
            case "gt":
                query = query with { From = Later(query.From, end) };
                return true;
            case "lt":
                query = query with { Before = Earlier(query.Before, start) };
                return true;
            case "le":
                query = query with { Before = Earlier(query.Before, end) };
                return true;
            default:
                return false;
        }
    }

    private static DateTimeOffset Later(DateTimeOffset? current, DateTimeOffset value) => current is { } c && c > value ? c : value;

    private static DateTimeOffset Earlier(DateTimeOffset? current, DateTimeOffset value) => current is { } c && c < value ? c : value;

    private static string? Single(IQueryCollection parameters, string name) =>
        parameters.TryGetValue(name, out StringValues values) && values.Count > 0 && !string.IsNullOrEmpty(values[^1]) ? values[^1] : null;

    private static int? Integer(IQueryCollection parameters, string name) =>
        Single(parameters, name) is { } text && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static string Shorten(string value) => value.Length <= 40 ? value : value[..40] + "…";
}
