using System.Collections.Concurrent;
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Identity.Grains.Mdoc;

/// <summary>
/// The facts of a Document Signer certificate the verifier needs, parsed once per distinct certificate (an issuer signs
/// many documents with one DS). Only parsing is reused: the IACA signature, validity and profile are checked on every
/// verification against these facts.
/// </summary>
internal sealed class DocumentSignerCertificate
{
    private const int CacheLimit = 1024;
    private static readonly ConcurrentDictionary<byte[], DocumentSignerCertificate> Cache = new(DerComparer.Instance);
    private static readonly ConcurrentDictionary<byte[], DocumentSignerCertificate>.AlternateLookup<ReadOnlySpan<byte>> CacheBySpan =
        Cache.GetAlternateLookup<ReadOnlySpan<byte>>();

    private DocumentSignerCertificate(X509Certificate2 certificate)
    {
        var asn = new AsnReader(certificate.RawDataMemory, AsnEncodingRules.DER).ReadSequence();
        ToBeSigned = asn.ReadEncodedValue();
        SignatureAlgorithmOid = asn.ReadSequence().ReadObjectIdentifier();
        Signature = asn.ReadBitString(out _);
        IssuerName = Convert.ToBase64String(certificate.IssuerName.RawData);
        Subject = certificate.Subject;
        SerialNumber = certificate.SerialNumber;
        Thumbprint = Convert.ToHexStringLower(SHA256.HashData(certificate.RawData));
        Country = X509Names.Country(certificate.SubjectName);
        NotBefore = certificate.NotBefore.ToUniversalTime();
        NotAfter = certificate.NotAfter.ToUniversalTime();
        HasDigitalSignature = certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault() is { } keyUsage
            && keyUsage.KeyUsages.HasFlag(X509KeyUsageFlags.DigitalSignature);
        HasDocumentSignerEku = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault() is { } eku
            && eku.EnhancedKeyUsages.Cast<Oid>().Any(o => o.Value == MdocVerifier.DocumentSignerEku);
        Key = CoseVerificationKey.FromCertificate(certificate);
    }

    public ReadOnlyMemory<byte> ToBeSigned { get; }

    public string SignatureAlgorithmOid { get; }

    public byte[] Signature { get; }

    /// <summary>The issuer name DER in base64, as <see cref="IacaTrustList"/> indexes subjects.</summary>
    public string IssuerName { get; }

    public string Subject { get; }

    public string SerialNumber { get; }

    public string Thumbprint { get; }

    public string? Country { get; }

    public DateTime NotBefore { get; }

    public DateTime NotAfter { get; }

    public bool HasDigitalSignature { get; }

    public bool HasDocumentSignerEku { get; }

    /// <summary>Null when the key is neither EC nor Ed25519.</summary>
    public CoseVerificationKey? Key { get; }

    public static DocumentSignerCertificate Get(ReadOnlySpan<byte> der)
    {
        if (CacheBySpan.TryGetValue(der, out var known))
        {
            return known;
        }
        DocumentSignerCertificate parsed;
        try
        {
            using var certificate = X509CertificateLoader.LoadCertificate(der);
            parsed = new DocumentSignerCertificate(certificate);
        }
        catch (Exception e) when (e is CryptographicException or AsnContentException)
        {
            throw new MdocVerificationException(MdocError.StructureInvalid, $"the x5chain certificate does not parse: {e.Message}");
        }
        if (Cache.Count >= CacheLimit)
        {
            Cache.Clear();
        }
        Cache.TryAdd(der.ToArray(), parsed);
        return parsed;
    }

    private sealed class DerComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly DerComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => GetHashCode(obj.AsSpan());

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate)
        {
            var hash = new HashCode();
            hash.AddBytes(alternate);
            return hash.ToHashCode();
        }

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
    }
}
