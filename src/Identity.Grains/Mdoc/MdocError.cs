namespace Identity.Grains.Mdoc;

/// <summary>Why an mdoc presentation was refused; <see cref="MdocErrorCodes.ToCode"/> gives the stable snake_case name.</summary>
public enum MdocError
{
    CborMalformed,
    StructureInvalid,
    UnsupportedAlgorithm,
    UntrustedIssuer,
    CertificateExpired,
    CertificateProfile,
    IssuerSignatureInvalid,
    DoctypeMismatch,
    MsoExpired,
    MsoNotYetValid,
    DigestMismatch,
    DeviceSignatureInvalid,
    SessionTranscriptMismatch,
}
