namespace Identity.Grains.Passkeys;

[GenerateSerializer, Immutable]
public sealed record CredentialIndexState
{
    [Id(0)] public Guid? Owner { get; init; }

    [Id(1)] public DateTimeOffset? ClaimedAt { get; init; }
}
