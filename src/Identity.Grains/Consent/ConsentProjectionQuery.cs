using System.Collections.Immutable;

namespace Identity.Grains.Consent;

/// <summary>
/// A search across every patient's current Consents (compliance, <c>system/Consent.rs</c>): each non-empty list must match
/// (any of its values), every date filter must match; a page of <see cref="Count"/> hits from <see cref="Offset"/>, ordered by
/// last update then id. Values only ever reach the database as parameters.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ConsentProjectionQuery
{
    [Id(0)] public ImmutableArray<string> Statuses { get; init; } = [];

    [Id(1)] public ImmutableArray<string> Actors { get; init; } = [];

    [Id(2)] public ImmutableArray<string> Purposes { get; init; } = [];

    [Id(3)] public ImmutableArray<ConsentDateFilter> Dates { get; init; } = [];

    [Id(4)] public int Offset { get; init; }

    [Id(5)] public int Count { get; init; } = 50;
}
