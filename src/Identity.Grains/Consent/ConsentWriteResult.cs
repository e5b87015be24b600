namespace Identity.Grains.Consent;

/// <summary>The outcome of a change: the new current version when done, the current one on a conflict, or why it was refused.</summary>
[GenerateSerializer, Immutable]
public sealed record ConsentWriteResult(
    [property: Id(0)] ConsentWriteStatus Status,
    [property: Id(1)] ConsentVersion? Version = null,
    [property: Id(2)] ConsentReadFailure? Failure = null,
    [property: Id(3)] ConsentVersion? Previous = null);
