using System.Collections.Immutable;

namespace Identity.Grains.Consent;

/// <summary>How many rows matched in all, and the requested page of them.</summary>
[GenerateSerializer, Immutable]
public sealed record ConsentProjectionPage(
    [property: Id(0)] int Total,
    [property: Id(1)] ImmutableArray<ConsentProjectionHit> Hits);
