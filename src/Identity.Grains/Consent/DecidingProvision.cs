namespace Identity.Grains.Consent;

/// <summary>A provision that decided a request: the consent, its version, where in it (FHIRPath-like) and its type.</summary>
[GenerateSerializer, Immutable]
public sealed record DecidingProvision(
    [property: Id(0)] string ConsentId,
    [property: Id(1)] int VersionId,
    [property: Id(2)] string Path,
    [property: Id(3)] ConsentOutcome Type);
