using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Identity.Grains.Mdoc;

/// <summary>A public key that checks COSE signatures: ECDSA (P-256/384/521) or Ed25519.</summary>
internal sealed class CoseVerificationKey : IDisposable
{
    private const string Ed25519Oid = "1.3.101.112";

    private readonly ECDsa? _ecdsa;
    private readonly NSec.Cryptography.PublicKey? _ed25519;
    private readonly int _curveBits;

    private CoseVerificationKey(ECDsa? ecdsa, NSec.Cryptography.PublicKey? ed25519)
    {
        _ecdsa = ecdsa;
        _ed25519 = ed25519;
        _curveBits = ecdsa?.KeySize ?? 0;
    }

    public ECDsa? Ecdsa => _ecdsa;

    public static CoseVerificationKey? FromCertificate(X509Certificate2 certificate)
    {
        if (certificate.GetECDsaPublicKey() is { } ecdsa)
        {
            return new CoseVerificationKey(ecdsa, null);
        }
        if (certificate.PublicKey.Oid.Value == Ed25519Oid)
        {
            return FromEd25519(certificate.PublicKey.EncodedKeyValue.RawData);
        }
        return null;
    }

    public static CoseVerificationKey? FromEd25519(ReadOnlySpan<byte> raw) =>
        NSec.Cryptography.PublicKey.TryImport(NSec.Cryptography.SignatureAlgorithm.Ed25519, raw, NSec.Cryptography.KeyBlobFormat.RawPublicKey, out var key)
            ? new CoseVerificationKey(null, key)
            : null;

    public static CoseVerificationKey FromEcPoint(ECCurve curve, byte[] x, byte[] y) =>
        new(ECDsa.Create(new ECParameters { Curve = curve, Q = new ECPoint { X = x, Y = y } }), null);

    /// <summary>Whether <paramref name="algorithm"/> is the one this key's type and curve call for.</summary>
    public bool Fits(CoseAlgorithm algorithm) => algorithm switch
    {
        CoseAlgorithm.ES256 => _curveBits == 256,
        CoseAlgorithm.ES384 => _curveBits == 384,
        CoseAlgorithm.ES512 => _curveBits == 521,
        CoseAlgorithm.EdDSA => _ed25519 is not null,
        _ => false,
    };

    /// <summary>Checks a COSE signature (raw r||s for ECDSA) over <paramref name="data"/>.</summary>
    public bool Verify(CoseAlgorithm algorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        if (_ed25519 is not null)
        {
            return NSec.Cryptography.SignatureAlgorithm.Ed25519.Verify(_ed25519, data, signature);
        }
        var hash = algorithm switch
        {
            CoseAlgorithm.ES256 => HashAlgorithmName.SHA256,
            CoseAlgorithm.ES384 => HashAlgorithmName.SHA384,
            _ => HashAlgorithmName.SHA512,
        };
        return signature.Length == 2 * ((_curveBits + 7) / 8) && _ecdsa!.VerifyData(data, signature, hash);
    }

    /// <summary>Checks an X.509 signature (DER ECDSA or Ed25519) over a certificate's to-be-signed bytes.</summary>
    public bool VerifyCertificateSignature(string signatureAlgorithmOid, ReadOnlySpan<byte> toBeSigned, ReadOnlySpan<byte> signature)
    {
        if (_ed25519 is not null)
        {
            return signatureAlgorithmOid == Ed25519Oid && NSec.Cryptography.SignatureAlgorithm.Ed25519.Verify(_ed25519, toBeSigned, signature);
        }
        HashAlgorithmName? hash = signatureAlgorithmOid switch
        {
            "1.2.840.10045.4.3.2" => HashAlgorithmName.SHA256,
            "1.2.840.10045.4.3.3" => HashAlgorithmName.SHA384,
            "1.2.840.10045.4.3.4" => HashAlgorithmName.SHA512,
            _ => null,
        };
        return hash is { } h && _ecdsa!.VerifyData(toBeSigned, signature, h, DSASignatureFormat.Rfc3279DerSequence);
    }

    public void Dispose()
    {
        _ecdsa?.Dispose();
    }
}
