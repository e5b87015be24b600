namespace Identity.Api.Enrollment;

/// <summary>Configuration section <c>Enrollment</c>: mDL identity proofing.</summary>
public sealed class EnrollmentSettings
{
    public const string Section = "Enrollment";

    /// <summary>
    /// 32 random bytes (base64) that encrypt patients' verified personal data in grain storage (AES-256-GCM).
    /// Required outside Development; in Development a key is generated once and kept beside the database.
    /// </summary>
    public string? PiiKey { get; set; }

    /// <summary>Earlier <see cref="PiiKey"/> values, so data sealed before a rotation still opens.</summary>
    public List<string> PreviousPiiKeys { get; set; } = [];

    /// <summary>At least 32 random bytes (base64): the HMAC key of the document index. Never rotate it: documents would no longer be recognised.</summary>
    public string? DocumentIndexKey { get; set; }

    /// <summary>Folder of trusted IACA certificates (<c>*.pem</c>, <c>*.crt</c>, <c>*.cer</c>, <c>*.der</c>).</summary>
    public string? TrustFolder { get; set; }

    /// <summary>An AAMVA / ISO 18013-5 Annex C VICAL file whose IACAs are trusted too; needs <see cref="VicalSigner"/>.</summary>
    public string? VicalFile { get; set; }

    /// <summary>The certificate (PEM or DER) that signs <see cref="VicalFile"/>, or the CA of its signer.</summary>
    public string? VicalSigner { get; set; }

    /// <summary>
    /// The verifier's certificate chain for signed Digital Credentials API requests (<c>openid4vp-v1-signed</c>): PEM
    /// text or a PEM file, leaf first; the leaf has a P-256 key and, for <c>x509_san_dns:</c> client ids, the site's host as
    /// a dNSName SAN. Needs <see cref="VerifierKey"/>. Development without it: a self-signed one generated once.
    /// </summary>
    public string? VerifierCertificate { get; set; }

    /// <summary>The PEM (PKCS#8 or SEC1) P-256 private key of <see cref="VerifierCertificate"/>'s leaf: PEM text or a PEM file.</summary>
    public string? VerifierKey { get; set; }

    /// <summary>Offer the demo wallet and trust its demo IACA. Only ever honoured in Development.</summary>
    public bool DemoWallet { get; set; } = true;
}
