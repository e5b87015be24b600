using System.Buffers.Text;
using System.Formats.Cbor;
using System.Globalization;
using System.Text.Json;

namespace Identity.Grains.Mdoc;

/// <summary>
/// A disclosed element value. JSON follows <c>shared/vectors/mdl/README.md</c>: strings, integers and booleans as
/// themselves, <c>{"$full_date":…}</c> for tag 1004, <c>{"$tdate":…}</c> for tag 0, <c>{"$bstr":base64url}</c>.
/// </summary>
public abstract record MdocValue
{
    private MdocValue()
    {
    }

    public abstract void WriteJson(Utf8JsonWriter writer);

    public sealed record Text(string Value) : MdocValue
    {
        public override void WriteJson(Utf8JsonWriter writer) => writer.WriteStringValue(Value);
    }

    public sealed record Integer(long Value) : MdocValue
    {
        public override void WriteJson(Utf8JsonWriter writer) => writer.WriteNumberValue(Value);
    }

    public sealed record Boolean(bool Value) : MdocValue
    {
        public override void WriteJson(Utf8JsonWriter writer) => writer.WriteBooleanValue(Value);
    }

    public sealed record Float(double Value) : MdocValue
    {
        public override void WriteJson(Utf8JsonWriter writer) => writer.WriteNumberValue(Value);
    }

    public sealed record Null : MdocValue
    {
        public override void WriteJson(Utf8JsonWriter writer) => writer.WriteNullValue();
    }

    /// <summary>RFC 8943 full-date (tag 1004).</summary>
    public sealed record FullDate(DateOnly Value) : MdocValue
    {
        public override void WriteJson(Utf8JsonWriter writer)
        {
            writer.WriteStartObject();
            writer.WriteString("$full_date", Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            writer.WriteEndObject();
        }
    }

    /// <summary>RFC 3339 date-time (tag 0); <see cref="Original"/> is the text as issued.</summary>
    public sealed record DateTime(DateTimeOffset Value, string Original) : MdocValue
    {
        public override void WriteJson(Utf8JsonWriter writer)
        {
            writer.WriteStartObject();
            writer.WriteString("$tdate", Original);
            writer.WriteEndObject();
        }
    }

    public sealed record Bytes(ReadOnlyMemory<byte> Value) : MdocValue
    {
        public override void WriteJson(Utf8JsonWriter writer)
        {
            writer.WriteStartObject();
            writer.WriteString("$bstr", Base64Url.EncodeToString(Value.Span));
            writer.WriteEndObject();
        }

        public bool Equals(Bytes? other) => other is not null && Value.Span.SequenceEqual(other.Value.Span);

        public override int GetHashCode() => Value.Length;
    }

    public sealed record Array(IReadOnlyList<MdocValue> Items) : MdocValue
    {
        public override void WriteJson(Utf8JsonWriter writer)
        {
            writer.WriteStartArray();
            foreach (var item in Items)
            {
                item.WriteJson(writer);
            }
            writer.WriteEndArray();
        }

        public bool Equals(Array? other) => other is not null && Items.SequenceEqual(other.Items);

        public override int GetHashCode() => Items.Count;
    }

    /// <summary>A map; integer keys are kept as their decimal text.</summary>
    public sealed record Map(IReadOnlyDictionary<string, MdocValue> Entries) : MdocValue
    {
        public override void WriteJson(Utf8JsonWriter writer)
        {
            writer.WriteStartObject();
            foreach (var (key, value) in Entries)
            {
                writer.WritePropertyName(key);
                value.WriteJson(writer);
            }
            writer.WriteEndObject();
        }

        public bool Equals(Map? other) =>
            other is not null && Entries.Count == other.Entries.Count &&
            Entries.All(e => other.Entries.TryGetValue(e.Key, out var v) && e.Value.Equals(v));

        public override int GetHashCode() => Entries.Count;
    }

    /// <summary>Any other tag, kept with its content.</summary>
    public sealed record Tagged(ulong Tag, MdocValue Content) : MdocValue
    {
        public override void WriteJson(Utf8JsonWriter writer)
        {
            writer.WriteStartObject();
            writer.WritePropertyName("$tag" + Tag.ToString(CultureInfo.InvariantCulture));
            Content.WriteJson(writer);
            writer.WriteEndObject();
        }
    }

    /// <summary>Reads one value; the buffer was already bounded by <see cref="CborWellFormedness"/>, so recursion is shallow.</summary>
    internal static MdocValue Read(CborReader reader)
    {
        switch (reader.PeekState())
        {
            case CborReaderState.UnsignedInteger or CborReaderState.NegativeInteger:
                return new Integer(reader.ReadInt64());
            case CborReaderState.TextString or CborReaderState.StartIndefiniteLengthTextString:
                return new Text(reader.ReadTextString());
            case CborReaderState.ByteString:
                return new Bytes(reader.ReadDefiniteLengthByteString());
            case CborReaderState.StartIndefiniteLengthByteString:
                return new Bytes(reader.ReadByteString());
            case CborReaderState.Boolean:
                return new Boolean(reader.ReadBoolean());
            case CborReaderState.Null:
                reader.ReadNull();
                return new Null();
            case CborReaderState.HalfPrecisionFloat or CborReaderState.SinglePrecisionFloat or CborReaderState.DoublePrecisionFloat:
                return new Float(reader.ReadDouble());
            case CborReaderState.StartArray:
                {
                    var count = reader.ReadStartArray();
                    var items = new List<MdocValue>(count ?? 4);
                    while (reader.PeekState() != CborReaderState.EndArray)
                    {
                        items.Add(Read(reader));
                    }
                    reader.ReadEndArray();
                    return new Array(items);
                }
            case CborReaderState.StartMap:
                {
                    var count = reader.ReadStartMap();
                    var entries = new Dictionary<string, MdocValue>(count ?? 4, StringComparer.Ordinal);
                    while (reader.PeekState() != CborReaderState.EndMap)
                    {
                        var key = reader.PeekState() switch
                        {
                            CborReaderState.TextString => reader.ReadTextString(),
                            CborReaderState.UnsignedInteger or CborReaderState.NegativeInteger => reader.ReadInt64().ToString(CultureInfo.InvariantCulture),
                            _ => throw new MdocVerificationException(MdocError.StructureInvalid, "an element value holds a map key that is neither text nor integer"),
                        };
                        if (!entries.TryAdd(key, Read(reader)))
                        {
                            throw new MdocVerificationException(MdocError.CborMalformed, "an element value holds a duplicate map key");
                        }
                    }
                    reader.ReadEndMap();
                    return new Map(entries);
                }
            case CborReaderState.Tag:
                {
                    var tag = (ulong)reader.ReadTag();
                    switch (tag)
                    {
                        case 1004:
                            {
                                var text = reader.ReadTextString();
                                return DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
                                    ? new FullDate(date)
                                    : throw new MdocVerificationException(MdocError.StructureInvalid, "a full-date (tag 1004) is not YYYY-MM-DD");
                            }
                        case 0:
                            {
                                var text = reader.ReadTextString();
                                return new DateTime(MdocDates.ParseTdate(text), text);
                            }
                        default:
                            return new Tagged(tag, Read(reader));
                    }
                }
            default:
                throw new MdocVerificationException(MdocError.StructureInvalid, $"unexpected CBOR {reader.PeekState()} in an element value");
        }
    }
}
