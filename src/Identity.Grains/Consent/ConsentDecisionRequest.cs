using System.Collections.Immutable;

namespace Identity.Grains.Consent;

/// <summary>
/// A question to the decision engine: may <see cref="Actors"/> do <see cref="Action"/> on the patient's data labelled
/// <see cref="SecurityLabels"/> (of <see cref="DataClasses"/>) for <see cref="PurposeOfUse"/> at <see cref="Time"/>?
/// Actors are references (<c>Organization/x</c>) or identifiers (<c>system|value</c>); several actors ask together
/// (an app and the network it reaches), and a provision naming any of them concerns the request.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ConsentDecisionRequest
{
    /// <summary>The data subject, e.g. <c>Patient/0b8c…</c>.</summary>
    [Id(0)] public required string Patient { get; init; }

    [Id(1)] public required ImmutableArray<string> Actors { get; init; }

    /// <summary>A v3-ActReason code (exact, no subsumption: ETREAT is not TREAT).</summary>
    [Id(2)] public required string PurposeOfUse { get; init; }

    /// <summary>A consentaction code; <c>access</c> unless said otherwise.</summary>
    [Id(3)] public string Action { get; init; } = ConsentCodes.Access;

    /// <summary>Codes of the security labels on the requested data (v3-Confidentiality, v3-ActCode).</summary>
    [Id(4)] public ImmutableArray<string> SecurityLabels { get; init; } = [];

    /// <summary>Data classes as <c>system|code</c> (or a bare code, compared by code alone).</summary>
    [Id(5)] public ImmutableArray<string> DataClasses { get; init; } = [];

    [Id(6)] public required DateTimeOffset Time { get; init; }
}
