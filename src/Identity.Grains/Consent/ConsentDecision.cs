using System.Collections.Immutable;

namespace Identity.Grains.Consent;

/// <summary>The engine's answer: the outcome, the provisions that decided it and the obligations that come with a permit.</summary>
[GenerateSerializer, Immutable]
public sealed record ConsentDecision(
    [property: Id(0)] ConsentOutcome Outcome,
    [property: Id(1)] ImmutableArray<DecidingProvision> DecidedBy,
    [property: Id(2)] ImmutableArray<ConsentObligation> Obligations)
{
    public static ConsentDecision NoConsent { get; } = new(ConsentOutcome.NoConsent, [], []);
}
