namespace Identity.Grains.Patients;

/// <summary>The evidence behind a <see cref="VerifiedIdentity"/> (OpenID Connect for Identity Assurance 1.0, §5.4.4).</summary>
[GenerateSerializer, Immutable]
public sealed record VerificationEvidence
{
    /// <summary>OIDC4IDA evidence type; an mDL is a <c>document</c>.</summary>
    [Id(0)] public string Type { get; init; } = "document";

    /// <summary>How the document was checked; an mDL's issuer signature and device signature are <c>vcrypt</c> (cryptographic validation).</summary>
    [Id(1)] public string CheckMethod { get; init; } = "vcrypt";

    /// <summary>The document type, for an mDL <c>org.iso.18013.5.1.mDL</c>.</summary>
    [Id(2)] public string DocumentType { get; init; } = "org.iso.18013.5.1.mDL";

    /// <summary>Keyed hash of (issuing country, document number): proves uniqueness without keeping the number.</summary>
    [Id(3)] public string? DocumentKey { get; init; }

    /// <summary>The elements that were disclosed and checked against the issuer's digests (identifiers only, no values).</summary>
    [Id(4)] public string[]? VerifiedElements { get; init; }

    /// <summary>How the presentation arrived, e.g. <c>openid4vp direct_post.jwt</c>.</summary>
    [Id(5)] public string? Protocol { get; init; }

    /// <summary>SHA-256 thumbprint of the Document Signer certificate that signed the MSO.</summary>
    [Id(6)] public string? DocumentSignerThumbprint { get; init; }

    /// <summary>Country of the issuing authority's IACA (ISO 3166-1 alpha-2).</summary>
    [Id(7)] public string? IssuerCountry { get; init; }
}
