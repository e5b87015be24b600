using System.Collections.Immutable;

namespace Identity.Grains.Consent;

/// <summary>Every version of every Consent of one patient, oldest first per consent.</summary>
[GenerateSerializer, Immutable]
public sealed record PatientConsentState
{
    [Id(0)] public ImmutableDictionary<string, ImmutableArray<ConsentVersion>> Consents { get; init; } =
        ImmutableDictionary<string, ImmutableArray<ConsentVersion>>.Empty;
}
