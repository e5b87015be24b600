namespace Identity.Grains.Consent;

/// <summary>What a recipient must do with permitted data: a v3-ActCode obligation or refrain policy, and why.</summary>
[GenerateSerializer, Immutable]
public sealed record ConsentObligation(
    [property: Id(0)] string System,
    [property: Id(1)] string Code,
    [property: Id(2)] string Display);
