using System.Formats.Cbor;
using System.Security.Cryptography;

namespace Identity.Grains.Mdoc;

/// <summary>The MSO <c>deviceKey</c> (a COSE_Key): EC2 on P-256/384/521 or OKP Ed25519.</summary>
internal sealed record DeviceKey(long KeyType, long Curve, ReadOnlyMemory<byte> X, ReadOnlyMemory<byte> Y)
{
    private const long Okp = 1;
    private const long Ec2 = 2;

    public static DeviceKey Read(CborReader reader)
    {
        long? keyType = null, curve = null;
        ReadOnlyMemory<byte> x = default, y = default;
        reader.ReadStartMap();
        while (reader.PeekState() != CborReaderState.EndMap)
        {
            if (reader.PeekState() is not (CborReaderState.UnsignedInteger or CborReaderState.NegativeInteger))
            {
                reader.SkipValue();
                reader.SkipValue();
                continue;
            }
            switch (reader.ReadInt64())
            {
                case 1:
                    keyType = reader.ReadInt64();
                    break;
                case -1:
                    curve = reader.ReadInt64();
                    break;
                case -2:
                    x = reader.ReadDefiniteLengthByteString();
                    break;
                case -3 when reader.PeekState() == CborReaderState.ByteString:
                    y = reader.ReadDefiniteLengthByteString();
                    break;
                default:
                    reader.SkipValue();
                    break;
            }
        }
        reader.ReadEndMap();
        if (keyType is null || curve is null || x.IsEmpty || (keyType == Ec2 && y.IsEmpty))
        {
            throw new MdocVerificationException(MdocError.StructureInvalid, "the MSO deviceKey lacks kty, crv, x or (for EC2) an uncompressed y");
        }
        return new DeviceKey(keyType.Value, curve.Value, x, y);
    }

    public CoseVerificationKey ToVerificationKey()
    {
        if (KeyType == Okp && Curve == 6)
        {
            return CoseVerificationKey.FromEd25519(X.Span)
                ?? throw new MdocVerificationException(MdocError.StructureInvalid, "the MSO deviceKey is not an Ed25519 public key");
        }
        try
        {
            return CoseVerificationKey.FromEcPoint(EcCurve(), X.ToArray(), Y.ToArray());
        }
        catch (CryptographicException e)
        {
            throw new MdocVerificationException(MdocError.StructureInvalid, $"the MSO deviceKey is not a valid EC point: {e.Message}");
        }
    }

    /// <summary>EMacKey = HKDF-SHA-256(ECDH(reader, device), salt = SHA-256(SessionTranscriptBytes), info "EMacKey", 32 bytes).</summary>
    public byte[] DeriveMacKey(ECDiffieHellman readerKey, ReadOnlySpan<byte> sessionTranscriptBytes)
    {
        try
        {
            using var device = ECDiffieHellman.Create(new ECParameters { Curve = EcCurve(), Q = new ECPoint { X = X.ToArray(), Y = Y.ToArray() } });
            var shared = readerKey.DeriveRawSecretAgreement(device.PublicKey);
            Span<byte> salt = stackalloc byte[32];
            SHA256.HashData(sessionTranscriptBytes, salt);
            var key = HKDF.DeriveKey(HashAlgorithmName.SHA256, shared, 32, salt.ToArray(), "EMacKey"u8.ToArray());
            CryptographicOperations.ZeroMemory(shared);
            return key;
        }
        catch (CryptographicException e)
        {
            throw new MdocVerificationException(MdocError.DeviceSignatureInvalid, $"no MAC key could be agreed with the MSO deviceKey: {e.Message}");
        }
    }

    private ECCurve EcCurve() => (KeyType, Curve) switch
    {
        (Ec2, 1) => ECCurve.NamedCurves.nistP256,
        (Ec2, 2) => ECCurve.NamedCurves.nistP384,
        (Ec2, 3) => ECCurve.NamedCurves.nistP521,
        _ => throw new MdocVerificationException(MdocError.UnsupportedAlgorithm, $"the MSO deviceKey kty {KeyType} crv {Curve} is not supported"),
    };
}
