using System.Collections.Immutable;

namespace Identity.Grains.Consent;

[GenerateSerializer, Immutable]
public sealed record ConsentDirectoryState
{
    [Id(0)] public ImmutableDictionary<string, Guid> Owners { get; init; } = ImmutableDictionary<string, Guid>.Empty;
}
