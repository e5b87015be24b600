using System.Buffers.Binary;

namespace Identity.Grains.Mdoc;

/// <summary>
/// A non-recursive, allocation-free pass over one CBOR buffer that proves it is exactly one well-formed item within
/// <see cref="MdocDecodingLimits"/>, before any decoder allocates for declared lengths or recurses into nesting.
/// Duplicate map keys are refused later by <see cref="System.Formats.Cbor.CborReader"/> in strict mode.
/// </summary>
internal static class CborWellFormedness
{
    private const long Indefinite = -1;

    public static void Check(ReadOnlySpan<byte> data, MdocDecodingLimits limits)
    {
        if (data.Length > limits.MaxBytes)
        {
            throw Malformed($"the CBOR item is {data.Length} bytes, above the limit of {limits.MaxBytes}");
        }
        if (data.IsEmpty)
        {
            throw Malformed("the CBOR input is empty");
        }
        var frames = limits.MaxDepth + 1;
        Span<long> remaining = frames <= 64 ? stackalloc long[frames] : new long[frames];
        // For indefinite-length strings, the major type every chunk must have; otherwise -1.
        Span<sbyte> chunkMajor = frames <= 64 ? stackalloc sbyte[frames] : new sbyte[frames];
        var top = 0;
        remaining[0] = 1;
        chunkMajor[0] = -1;
        var position = 0;
        var items = 0;
        while (true)
        {
            if (remaining[top] == 0)
            {
                if (top == 0)
                {
                    break;
                }
                top--;
                continue;
            }
            if (position >= data.Length)
            {
                throw Malformed("the CBOR input ends inside an item (truncated or unterminated)");
            }
            var initial = data[position++];
            if (initial == 0xFF)
            {
                if (remaining[top] != Indefinite)
                {
                    throw Malformed("a break code appears outside an indefinite-length item");
                }
                remaining[top] = 0;
                continue;
            }
            var major = initial >> 5;
            var additional = initial & 0x1F;
            if (chunkMajor[top] >= 0 && (major != chunkMajor[top] || additional == 31))
            {
                throw Malformed("an indefinite-length string holds a chunk of another type");
            }
            if (remaining[top] != Indefinite)
            {
                remaining[top]--;
            }
            if (++items > limits.MaxItems)
            {
                throw Malformed($"the CBOR input holds more than {limits.MaxItems} items");
            }
            ulong argument;
            switch (additional)
            {
                case < 24:
                    argument = (ulong)additional;
                    break;
                case 24:
                    argument = Take(data, ref position, 1)[0];
                    break;
                case 25:
                    argument = BinaryPrimitives.ReadUInt16BigEndian(Take(data, ref position, 2));
                    break;
                case 26:
                    argument = BinaryPrimitives.ReadUInt32BigEndian(Take(data, ref position, 4));
                    break;
                case 27:
                    argument = BinaryPrimitives.ReadUInt64BigEndian(Take(data, ref position, 8));
                    break;
                case 31 when major is 2 or 3 or 4 or 5:
                    Push(ref top, remaining, chunkMajor, Indefinite, major is 2 or 3 ? (sbyte)major : (sbyte)-1, limits);
                    continue;
                default:
                    throw Malformed($"reserved additional information {additional} for major type {major}");
            }
            var left = (ulong)(data.Length - position);
            switch (major)
            {
                case 2 or 3:
                    if (argument > left)
                    {
                        throw Malformed($"a string declares {argument} bytes but only {left} remain");
                    }
                    position += (int)argument;
                    break;
                case 4:
                    if (argument > left)
                    {
                        throw Malformed($"an array declares {argument} items but only {left} bytes remain");
                    }
                    if (argument > 0)
                    {
                        Push(ref top, remaining, chunkMajor, (long)argument, -1, limits);
                    }
                    break;
                case 5:
                    if (argument > left / 2)
                    {
                        throw Malformed($"a map declares {argument} pairs but only {left} bytes remain");
                    }
                    if (argument > 0)
                    {
                        Push(ref top, remaining, chunkMajor, (long)argument * 2, -1, limits);
                    }
                    break;
                case 6:
                    Push(ref top, remaining, chunkMajor, 1, -1, limits);
                    break;
                case 7 when additional == 24 && argument < 32:
                    throw Malformed("a two-byte simple value below 32");
                default:
                    break;
            }
        }
        if (position != data.Length)
        {
            throw Malformed($"{data.Length - position} bytes follow the CBOR item");
        }
    }

    private static void Push(ref int top, Span<long> remaining, Span<sbyte> chunkMajor, long count, sbyte major, MdocDecodingLimits limits)
    {
        if (top + 1 > limits.MaxDepth)
        {
            throw Malformed($"the CBOR nesting is deeper than {limits.MaxDepth}");
        }
        top++;
        remaining[top] = count;
        chunkMajor[top] = major;
    }

    private static ReadOnlySpan<byte> Take(ReadOnlySpan<byte> data, ref int position, int length)
    {
        if (data.Length - position < length)
        {
            throw Malformed("the CBOR input ends inside an item head");
        }
        var slice = data.Slice(position, length);
        position += length;
        return slice;
    }

    private static MdocVerificationException Malformed(string detail) => new(MdocError.CborMalformed, detail);
}
