using System.Formats.Cbor;

namespace Identity.Api.Passkeys.WebAuthn;

/// <summary>
/// A COSE_Key (RFC 9052 §7, RFC 9053) as WebAuthn credential public keys use it: EC2 (x, y), OKP (x) or RSA (n, e).
/// </summary>
public sealed record CoseKey(int KeyType, int Algorithm, int? Curve, byte[]? X, byte[]? Y, byte[]? Modulus, byte[]? Exponent)
{
    public const int KeyTypeOkp = 1;
    public const int KeyTypeEc2 = 2;
    public const int KeyTypeRsa = 3;
    public const int AlgorithmEs256 = -7;
    public const int AlgorithmEdDsa = -8;
    public const int AlgorithmRs256 = -257;
    public const int CurveP256 = 1;
    public const int CurveEd25519 = 6;

    private const int MaxMapEntries = 16;

    public bool IsEd25519 => KeyType == KeyTypeOkp && Algorithm == AlgorithmEdDsa && Curve == CurveEd25519 && X is { Length: 32 };

    public bool IsEs256 => KeyType == KeyTypeEc2 && Algorithm == AlgorithmEs256 && Curve == CurveP256 && X is { Length: 32 } && Y is { Length: 32 };

    public bool IsRs256 => KeyType == KeyTypeRsa && Algorithm == AlgorithmRs256 && Modulus is { Length: >= 256 } && Exponent is { Length: > 0 };

    /// <summary>Reads one COSE_Key from <paramref name="reader"/>; throws <see cref="CborContentException"/> on malformed input.</summary>
    public static CoseKey Read(CborReader reader)
    {
        var count = reader.ReadStartMap() ?? throw new CborContentException("COSE_Key must have a definite length.");
        if (count > MaxMapEntries)
        {
            throw new CborContentException("COSE_Key has too many entries.");
        }
        int? kty = null, alg = null, crv = null;
        byte[]? minus1 = null, minus2 = null, minus3 = null;
        for (var i = 0; i < count; i++)
        {
            var label = reader.ReadInt32();
            switch (label)
            {
                case 1: kty = reader.ReadInt32(); break;
                case 3: alg = reader.ReadInt32(); break;
                // -1 is crv (EC2/OKP) or n (RSA); -2 is x or e; -3 is y.
                case -1 when reader.PeekState() == CborReaderState.UnsignedInteger: crv = reader.ReadInt32(); break;
                case -1: minus1 = reader.ReadByteString(); break;
                case -2: minus2 = reader.ReadByteString(); break;
                case -3: minus3 = reader.ReadByteString(); break;
                default: reader.SkipValue(); break;
            }
        }
        reader.ReadEndMap();
        var keyType = kty ?? throw new CborContentException("COSE_Key has no kty.");
        var algorithm = alg ?? throw new CborContentException("COSE_Key has no alg.");
        return keyType == KeyTypeRsa
            ? new CoseKey(keyType, algorithm, null, null, null, minus1, minus2)
            : new CoseKey(keyType, algorithm, crv, minus2, minus3, null, null);
    }

    public static CoseKey Decode(ReadOnlyMemory<byte> coseKey)
    {
        var reader = new CborReader(coseKey, CborConformanceMode.Ctap2Canonical);
        var key = Read(reader);
        if (reader.BytesRemaining != 0)
        {
            throw new CborContentException("Trailing bytes after COSE_Key.");
        }
        return key;
    }
}
