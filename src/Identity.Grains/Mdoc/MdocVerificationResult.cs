using System.Diagnostics.CodeAnalysis;

namespace Identity.Grains.Mdoc;

/// <summary>The verdict on a DeviceResponse: every document verified, or exactly one error category with a detail for developers.</summary>
public sealed class MdocVerificationResult
{
    private MdocVerificationResult(IReadOnlyList<VerifiedMdoc> documents, MdocError? error, string? detail)
    {
        Documents = documents;
        Error = error;
        Detail = detail;
    }

    [MemberNotNullWhen(false, nameof(Error), nameof(Detail))]
    [MemberNotNullWhen(true, nameof(Document))]
    public bool IsValid => Error is null;

    public MdocError? Error { get; }

    /// <summary>The stable snake_case category (e.g. <c>digest_mismatch</c>), or null when valid.</summary>
    public string? ErrorCode => Error?.ToCode();

    /// <summary>What failed, in words a developer can act on; holds no element values.</summary>
    public string? Detail { get; }

    /// <summary>Every verified document (empty when invalid).</summary>
    public IReadOnlyList<VerifiedMdoc> Documents { get; }

    /// <summary>The first verified document (OpenID4VP answers one credential query with one document).</summary>
    public VerifiedMdoc? Document => Documents.Count > 0 ? Documents[0] : null;

    internal static MdocVerificationResult Valid(IReadOnlyList<VerifiedMdoc> documents) => new(documents, null, null);

    internal static MdocVerificationResult Invalid(MdocError error, string detail) => new([], error, detail);

    public override string ToString() => IsValid ? $"valid {Document.DocType}" : $"{ErrorCode}: {Detail}";
}
