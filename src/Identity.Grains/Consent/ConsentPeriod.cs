using System.Globalization;

namespace Identity.Grains.Consent;

/// <summary>
/// A FHIR Period as a half-open interval of instants. A partial bound (<c>2026</c>, <c>2026-06</c>, <c>2026-06-30</c>)
/// covers that whole year, month or UTC day; an absent bound is open.
/// </summary>
public sealed record ConsentPeriod(DateTimeOffset? Start, DateTimeOffset? EndExclusive)
{
    public bool Contains(DateTimeOffset time) =>
        (Start is not { } start || time >= start) && (EndExclusive is not { } end || time < end);

    /// <summary>The interval of a FHIR period, or null when a bound is not a FHIR dateTime.</summary>
    public static ConsentPeriod? From(string? start, string? end)
    {
        var from = start is null ? null : Range(start);
        var to = end is null ? null : Range(end);
        if (start is not null && from is null || end is not null && to is null)
        {
            return null;
        }
        return new ConsentPeriod(from?.First, to?.AfterLast);
    }

    /// <summary>The first instant a FHIR date or dateTime covers, and the first instant after it.</summary>
    public static (DateTimeOffset First, DateTimeOffset AfterLast)? Range(string value)
    {
        var invariant = CultureInfo.InvariantCulture;
        switch (value.Length)
        {
            case 4 when DateTime.TryParseExact(value, "yyyy", invariant, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var year):
                return (Utc(year), Utc(year).AddYears(1));
            case 7 when DateTime.TryParseExact(value, "yyyy-MM", invariant, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var month):
                return (Utc(month), Utc(month).AddMonths(1));
            case 10 when DateTime.TryParseExact(value, "yyyy-MM-dd", invariant, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var day):
                return (Utc(day), Utc(day).AddDays(1));
        }
        return DateTimeOffset.TryParse(value, invariant, DateTimeStyles.AssumeUniversal, out var instant)
            ? (instant, instant.AddTicks(1))
            : null;
    }

    private static DateTimeOffset Utc(DateTime date) => new(DateTime.SpecifyKind(date, DateTimeKind.Utc));
}
