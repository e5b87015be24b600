namespace Identity.Grains.Mdoc;

/// <summary>Bounds applied to every CBOR buffer before it is decoded (the response and each embedded <c>#6.24</c> item).</summary>
public sealed record MdocDecodingLimits
{
    /// <summary>Largest accepted DeviceResponse; portraits make real ones tens of kilobytes.</summary>
    public int MaxBytes { get; init; } = 1 << 20;

    /// <summary>Deepest accepted nesting of arrays, maps and tags.</summary>
    public int MaxDepth { get; init; } = 32;

    /// <summary>Most data items in one buffer.</summary>
    public int MaxItems { get; init; } = 65_536;

    public static MdocDecodingLimits Default { get; } = new();
}
