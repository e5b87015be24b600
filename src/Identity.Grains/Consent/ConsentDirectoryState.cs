using System.Collections.Immutable;

namespace Identity.Grains.Consent;

[GenerateSerializer, Immutable]
public sealed record ConsentDirectoryState
{
    [Id(0)] public ImmutableDictionary<string, Guid> Owners { get; init; } = ImmutableDictionary<string, Guid>.Empty;

    /// <summary>How many of <see cref="Owners"/> were in the directory when it was last copied to the projection.</summary>
    [Id(1)] public int CopiedToProjection { get; init; }
}
