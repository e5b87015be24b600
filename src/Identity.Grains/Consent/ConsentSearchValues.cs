using System.Collections.Immutable;

namespace Identity.Grains.Consent;

/// <summary>
/// What the FHIR search parameters of a Consent compare against (PROFILES.md): its status, the actors and purposes of every
/// provision level as the tokens a search may name, and the instants Consent.dateTime covers. Only references, identifiers and
/// codes: no names or other personal data, so these values may be copied into the query projection.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ConsentSearchValues
{
    [Id(0)] public required string Status { get; init; }

    /// <summary>Each actor as <see cref="ConsentCodes.Actor"/> writes it (reference, else <c>system|value</c>).</summary>
    [Id(1)] public required ImmutableArray<string> Actors { get; init; }

    /// <summary>Each purpose both as its bare code and as <c>system|code</c>, the two forms a token search may use.</summary>
    [Id(2)] public required ImmutableArray<string> Purposes { get; init; }

    [Id(3)] public DateTimeOffset? DateFirst { get; init; }

    [Id(4)] public DateTimeOffset? DateAfterLast { get; init; }

    public static ConsentSearchValues Of(Hl7.Fhir.Model.Consent consent)
    {
        var provisions = consent.Provision is { } root ? Flatten(root).ToList() : [];
        var date = consent.DateTime is { } written ? ConsentPeriod.Range(written) : null;
        return new ConsentSearchValues
        {
            Status = Hl7.Fhir.Utility.EnumUtility.GetLiteral(consent.Status) ?? "",
            Actors = [.. provisions.SelectMany(p => p.Actor)
                .Select(a => ConsentCodes.Actor(a.Reference?.Reference, a.Reference?.Identifier?.System, a.Reference?.Identifier?.Value))
                .Where(a => a.Length > 0).Distinct(StringComparer.Ordinal)],
            Purposes = [.. provisions.SelectMany(p => p.Purpose)
                .SelectMany(c => string.IsNullOrEmpty(c.Code) ? [$"{c.System}|{c.Code}"] : new[] { c.Code, $"{c.System}|{c.Code}" })
                .Distinct(StringComparer.Ordinal)],
            DateFirst = date?.First,
            DateAfterLast = date?.AfterLast,
        };
    }

    private static IEnumerable<Hl7.Fhir.Model.Consent.provisionComponent> Flatten(Hl7.Fhir.Model.Consent.provisionComponent provision) =>
        provision.Provision.SelectMany(Flatten).Prepend(provision);
}
