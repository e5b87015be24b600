namespace Identity.Grains.Consent;

/// <summary>
/// One <c>date</c> search parameter: a prefix (eq, ne, lt, gt, le, ge, sa, eb) and the instants its value covers, compared
/// with the instants Consent.dateTime covers. The same rules run in memory (<see cref="Matches"/>) and in the projection's SQL.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ConsentDateFilter(
    [property: Id(0)] string Prefix,
    [property: Id(1)] DateTimeOffset First,
    [property: Id(2)] DateTimeOffset AfterLast)
{
    public static readonly IReadOnlySet<string> Prefixes = new HashSet<string>(StringComparer.Ordinal) { "eq", "ne", "lt", "gt", "le", "ge", "sa", "eb" };

    public bool Matches(DateTimeOffset first, DateTimeOffset afterLast) => Prefix switch
    {
        "eq" => first >= First && afterLast <= AfterLast,
        "ne" => !(first >= First && afterLast <= AfterLast),
        "lt" or "eb" => first < First,
        "gt" or "sa" => afterLast > AfterLast,
        "le" => first < AfterLast,
        _ => afterLast > First,
    };
}
