namespace Identity.Grains.Enrollment;

[GenerateSerializer, Immutable]
public sealed record DocumentIndexState
{
    [Id(0)] public Guid? Owner { get; init; }

    [Id(1)] public DateTimeOffset? ClaimedAt { get; init; }
}
