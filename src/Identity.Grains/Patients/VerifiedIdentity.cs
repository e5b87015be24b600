namespace Identity.Grains.Patients;

/// <summary>
/// The minimised result of an IAL2 identity proofing (PROFILES.md, "Identity proofing"): only what relying parties may
/// be shown in <c>verified_claims</c>, never the portrait, the full document number or the raw response.
/// The mDL enrolment records it through <see cref="IPatientGrain.RecordVerifiedIdentityAsync"/>.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record VerifiedIdentity
{
    [Id(0)] public required string GivenName { get; init; }

    [Id(1)] public required string FamilyName { get; init; }

    [Id(2)] public required DateOnly BirthDate { get; init; }

    /// <summary>ISO 3166-1 alpha-2 country of the issuing authority, e.g. <c>US</c>.</summary>
    [Id(3)] public required string IssuingCountry { get; init; }

    /// <summary>The issuing authority as the document names it, e.g. <c>CA DMV</c>.</summary>
    [Id(4)] public required string IssuingAuthority { get; init; }

    [Id(5)] public required DateOnly DocumentExpiry { get; init; }

    /// <summary>When the presentation was verified (OIDC4IDA <c>verification.time</c>).</summary>
    [Id(6)] public required DateTimeOffset VerifiedAt { get; init; }

    /// <summary>Which trust list entry (IACA) anchored the document signer, e.g. its certificate thumbprint.</summary>
    [Id(7)] public required string TrustAnchorId { get; init; }

    /// <summary>How the evidence was checked, as OIDC4IDA evidence: type, method, document type.</summary>
    [Id(8)] public required VerificationEvidence Evidence { get; init; }
}
