using System.Formats.Cbor;

namespace Identity.Api.Passkeys.WebAuthn;

/// <summary>The parts of a COSE_Key (RFC 9052 §7) the service needs: key type, algorithm, curve and the OKP/EC2 x coordinate.</summary>
public sealed record CoseKey(int KeyType, int Algorithm, int? Curve, byte[]? X)
{
    public const int KeyTypeOkp = 1;
    public const int KeyTypeEc2 = 2;
    public const int KeyTypeRsa = 3;
    public const int AlgorithmEdDsa = -8;
    public const int CurveEd25519 = 6;

    private const int MaxMapEntries = 16;

    public bool IsEd25519 => KeyType == KeyTypeOkp && Algorithm == AlgorithmEdDsa && Curve == CurveEd25519 && X is { Length: 32 };

    /// <summary>Reads one COSE_Key from <paramref name="reader"/>; throws <see cref="CborContentException"/> on malformed input.</summary>
    public static CoseKey Read(CborReader reader)
    {
        var count = reader.ReadStartMap() ?? throw new CborContentException("COSE_Key must have a definite length.");
        if (count > MaxMapEntries)
        {
            throw new CborContentException("COSE_Key has too many entries.");
        }
        int? kty = null, alg = null, crv = null;
        byte[]? x = null;
        for (var i = 0; i < count; i++)
        {
            var label = reader.ReadInt32();
            switch (label)
            {
                case 1: kty = reader.ReadInt32(); break;
                case 3: alg = reader.ReadInt32(); break;
                // -1 is crv for EC2/OKP but n for RSA; -2 is x for EC2/OKP but e for RSA.
                case -1 when reader.PeekState() == CborReaderState.UnsignedInteger: crv = reader.ReadInt32(); break;
                case -2 when kty is KeyTypeOkp or KeyTypeEc2: x = reader.ReadByteString(); break;
                default: reader.SkipValue(); break;
            }
        }
        reader.ReadEndMap();
        return new CoseKey(
            kty ?? throw new CborContentException("COSE_Key has no kty."),
            alg ?? throw new CborContentException("COSE_Key has no alg."),
            crv,
            x);
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
