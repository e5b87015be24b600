using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Identity.Grains.Mdoc;

/// <summary>One configured IACA root, with its key imported once for the hot path.</summary>
public sealed class IacaTrustAnchor
{
    internal IacaTrustAnchor(X509Certificate2 certificate, string source)
    {
        Certificate = certificate;
        Source = source;
        Id = Convert.ToHexStringLower(SHA256.HashData(certificate.RawData));
        Subject = certificate.Subject;
        Country = X509Names.Country(certificate.SubjectName);
        NotBefore = certificate.NotBefore.ToUniversalTime();
        NotAfter = certificate.NotAfter.ToUniversalTime();
        Key = CoseVerificationKey.FromCertificate(certificate)
            ?? throw new ArgumentException($"IACA '{certificate.Subject}' has neither an EC nor an Ed25519 key.", nameof(certificate));
    }

    public X509Certificate2 Certificate { get; }

    /// <summary>Where it came from (file path or VICAL provider), for the evidence record.</summary>
    public string Source { get; }

    /// <summary>Lowercase hex SHA-256 of the certificate DER: the trust anchor id kept in evidence.</summary>
    public string Id { get; }

    public string Subject { get; }

    public string? Country { get; }

    public DateTime NotBefore { get; }

    public DateTime NotAfter { get; }

    internal CoseVerificationKey Key { get; }
}
