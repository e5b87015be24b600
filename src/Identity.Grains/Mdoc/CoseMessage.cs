using System.Formats.Cbor;

namespace Identity.Grains.Mdoc;

/// <summary>
/// A COSE_Sign1 or COSE_Mac0 (same four-element shape) as received: protected header bytes kept verbatim for the
/// Sig_structure/MAC_structure, the headers this verifier reads, the payload and the signature or tag.
/// </summary>
internal sealed class CoseMessage
{
    private const int AlgorithmLabel = 1;
    private const int X5ChainLabel = 33;

    public required ReadOnlyMemory<byte> ProtectedBytes { get; init; }

    /// <summary>The protected <c>alg</c>; null when absent; <see cref="long.MinValue"/> when not an integer.</summary>
    public long? Algorithm { get; init; }

    public required IReadOnlyList<ReadOnlyMemory<byte>> X5Chain { get; init; }

    /// <summary>Null when detached (CBOR null).</summary>
    public ReadOnlyMemory<byte>? Payload { get; init; }

    public required ReadOnlyMemory<byte> Signature { get; init; }

    public static CoseMessage Read(CborReader reader, MdocDecodingLimits limits, string what)
    {
        if (reader.PeekState() == CborReaderState.Tag)
        {
            var tag = (ulong)reader.ReadTag();
            if (tag is not (18 or 17))
            {
                throw new MdocVerificationException(MdocError.StructureInvalid, $"{what} carries tag {tag}, not COSE_Sign1/COSE_Mac0");
            }
        }
        if (reader.ReadStartArray() != 4)
        {
            throw new MdocVerificationException(MdocError.StructureInvalid, $"{what} is not a four-element COSE array");
        }
        var protectedBytes = reader.ReadDefiniteLengthByteString();
        long? algorithm = null;
        var x5chain = new List<ReadOnlyMemory<byte>>(1);
        if (!protectedBytes.IsEmpty)
        {
            CborWellFormedness.Check(protectedBytes.Span, limits);
            var headers = new CborReader(protectedBytes, CborConformanceMode.Strict);
            ReadHeaders(headers, ref algorithm, x5chain, what);
        }
        long? ignoredAlgorithm = null;
        ReadHeaders(reader, ref ignoredAlgorithm, x5chain, what);
        ReadOnlyMemory<byte>? payload = null;
        if (reader.PeekState() == CborReaderState.Null)
        {
            reader.ReadNull();
        }
        else
        {
            payload = reader.ReadDefiniteLengthByteString();
        }
        var signature = reader.ReadDefiniteLengthByteString();
        reader.ReadEndArray();
        return new CoseMessage
        {
            ProtectedBytes = protectedBytes,
            Algorithm = algorithm,
            X5Chain = x5chain,
            Payload = payload,
            Signature = signature,
        };
    }

    private static void ReadHeaders(CborReader reader, ref long? algorithm, List<ReadOnlyMemory<byte>> x5chain, string what)
    {
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
                case AlgorithmLabel:
                    algorithm = reader.PeekState() is CborReaderState.UnsignedInteger or CborReaderState.NegativeInteger
                        ? reader.ReadInt64()
                        : SkipAndReturn(reader, long.MinValue);
                    break;
                case X5ChainLabel:
                    if (x5chain.Count > 0)
                    {
                        throw new MdocVerificationException(MdocError.StructureInvalid, $"{what} has x5chain in both header buckets");
                    }
                    if (reader.PeekState() == CborReaderState.StartArray)
                    {
                        reader.ReadStartArray();
                        while (reader.PeekState() != CborReaderState.EndArray)
                        {
                            x5chain.Add(reader.ReadDefiniteLengthByteString());
                        }
                        reader.ReadEndArray();
                    }
                    else
                    {
                        x5chain.Add(reader.ReadDefiniteLengthByteString());
                    }
                    break;
                default:
                    reader.SkipValue();
                    break;
            }
        }
        reader.ReadEndMap();
    }

    private static long SkipAndReturn(CborReader reader, long value)
    {
        reader.SkipValue();
        return value;
    }
}
