using System.Collections.Immutable;

namespace Identity.Grains.Consent;

/// <summary>
/// One provision as the engine reads it: its type (absent at many R4 example roots) and the criteria it states.
/// An empty list is a criterion not stated, which matches anything. <see cref="HasUnevaluableCriteria"/> marks
/// criteria about individual resources (<c>data</c>, <c>code</c>, <c>dataPeriod</c>) that a request does not carry:
/// such a provision never matches.
/// </summary>
public sealed record ConsentProvisionRule
{
    public required string Path { get; init; }

    public ConsentOutcome? Type { get; init; }

    public ImmutableArray<string> Actors { get; init; } = [];

    public ImmutableArray<string> Purposes { get; init; } = [];

    public ImmutableArray<string> Actions { get; init; } = [];

    public ImmutableArray<string> SecurityLabels { get; init; } = [];

    /// <summary>Data classes as <c>system|code</c>.</summary>
    public ImmutableArray<string> Classes { get; init; } = [];

    public ConsentPeriod? Period { get; init; }

    public bool HasUnevaluableCriteria { get; init; }

    public ImmutableArray<ConsentProvisionRule> Exceptions { get; init; } = [];
}
