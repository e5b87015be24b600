using System.Buffers;
using System.Buffers.Binary;

namespace Identity.Grains.Mdoc;

/// <summary>Builds the byte strings COSE signs or MACs, and DeviceAuthenticationBytes, without a general CBOR writer.</summary>
internal static class CoseStructures
{
    /// <summary>The Sig_structure / MAC_structure <c>[context, body_protected, h'', payload]</c> in a pooled buffer; return it with <see cref="ArrayPool{T}.Return"/>.</summary>
    public static byte[] ToBeSigned(ReadOnlySpan<byte> context, ReadOnlySpan<byte> protectedBytes, ReadOnlySpan<byte> payload, out int length)
    {
        length = 1 + HeadSize((ulong)context.Length) + context.Length
            + HeadSize((ulong)protectedBytes.Length) + protectedBytes.Length
            + 1
            + HeadSize((ulong)payload.Length) + payload.Length;
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        var span = buffer.AsSpan();
        span[0] = 0x84;
        var at = 1;
        at += WriteHead(span[at..], 3, (ulong)context.Length);
        context.CopyTo(span[at..]);
        at += context.Length;
        at += WriteHead(span[at..], 2, (ulong)protectedBytes.Length);
        protectedBytes.CopyTo(span[at..]);
        at += protectedBytes.Length;
        span[at++] = 0x40;
        at += WriteHead(span[at..], 2, (ulong)payload.Length);
        payload.CopyTo(span[at..]);
        return buffer;
    }

    /// <summary><c>#6.24(bstr .cbor ["DeviceAuthentication", SessionTranscript, DocType, DeviceNameSpacesBytes])</c>.</summary>
    public static byte[] DeviceAuthenticationBytes(ReadOnlySpan<byte> sessionTranscript, string docType, ReadOnlySpan<byte> deviceNameSpacesBytes)
    {
        ReadOnlySpan<byte> label = "DeviceAuthentication"u8;
        var docTypeLength = System.Text.Encoding.UTF8.GetByteCount(docType);
        var innerLength = 1 + 1 + label.Length + sessionTranscript.Length
            + HeadSize((ulong)docTypeLength) + docTypeLength + deviceNameSpacesBytes.Length;
        var total = 2 + HeadSize((ulong)innerLength) + innerLength;
        var bytes = new byte[total];
        var span = bytes.AsSpan();
        span[0] = 0xD8;
        span[1] = 24;
        var at = 2;
        at += WriteHead(span[at..], 2, (ulong)innerLength);
        span[at++] = 0x84;
        at += WriteHead(span[at..], 3, (ulong)label.Length);
        label.CopyTo(span[at..]);
        at += label.Length;
        sessionTranscript.CopyTo(span[at..]);
        at += sessionTranscript.Length;
        at += WriteHead(span[at..], 3, (ulong)docTypeLength);
        at += System.Text.Encoding.UTF8.GetBytes(docType, span[at..]);
        deviceNameSpacesBytes.CopyTo(span[at..]);
        return bytes;
    }

    public static int HeadSize(ulong value) => value switch
    {
        < 24 => 1,
        <= 0xFF => 2,
        <= 0xFFFF => 3,
        <= 0xFFFF_FFFF => 5,
        _ => 9,
    };

    public static int WriteHead(Span<byte> destination, int major, ulong value)
    {
        var type = (byte)(major << 5);
        switch (HeadSize(value))
        {
            case 1:
                destination[0] = (byte)(type | (byte)value);
                return 1;
            case 2:
                destination[0] = (byte)(type | 24);
                destination[1] = (byte)value;
                return 2;
            case 3:
                destination[0] = (byte)(type | 25);
                BinaryPrimitives.WriteUInt16BigEndian(destination[1..], (ushort)value);
                return 3;
            case 5:
                destination[0] = (byte)(type | 26);
                BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)value);
                return 5;
            default:
                destination[0] = (byte)(type | 27);
                BinaryPrimitives.WriteUInt64BigEndian(destination[1..], value);
                return 9;
        }
    }
}
