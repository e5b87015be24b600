using Identity.Grains.Mdoc;

namespace Identity.Tests.Mdoc;

/// <summary>Resource attacks are refused as <c>cbor_malformed</c> before anything is allocated for them or recursed into.</summary>
public sealed class HostileCborTests
{
    private const long AllocationBound = 256 * 1024;

    private static readonly MdocVerifier Verifier = new(IacaTrustList.Empty);
    private static readonly MdocVerificationContext Context =
        new(SessionTranscript.ForOpenId4Vp("x509_san_dns:verifier.example", "n", null, "https://verifier.example/r"), DateTimeOffset.UnixEpoch);

    public static TheoryData<string, byte[]> HostileInputs => new()
    {
        { "100,000 nested arrays", [.. Enumerable.Repeat((byte)0x81, 100_000), 0x00] },
        { "100,000 nested maps", [.. Enumerable.Repeat(new byte[] { 0xA1, 0x00 }, 100_000).SelectMany(b => b), 0x00] },
        { "100,000 nested tags", [.. Enumerable.Repeat((byte)0xC6, 100_000), 0x00] },
        { "100,000 unterminated indefinite arrays", [.. Enumerable.Repeat((byte)0x9F, 100_000)] },
        { "byte string declaring 2^63 bytes", [0x5B, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00] },
        { "text string declaring 4 GiB", [0x7A, 0xFF, 0xFF, 0xFF, 0xFF, 0x61] },
        { "array declaring 2^64-1 items", [0x9B, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00] },
        { "map declaring 2^32-1 pairs", [0xBA, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00] },
        { "truncated item head", [0xA3, 0x19] },
        { "reserved additional information", [0x1C] },
        { "stray break", [0xFF] },
        { "empty input", [] },
        { "trailing bytes", [0xA0, 0xA0] },
        { "duplicate keys", [0xA2, 0x61, 0x61, 0x00, 0x61, 0x61, 0x01] },
    };

    [Theory]
    [MemberData(nameof(HostileInputs))]
    public void Hostile_input_is_refused_as_malformed_with_bounded_allocation(string description, byte[] input)
    {
        Verifier.Verify(input, Context);
        var before = GC.GetAllocatedBytesForCurrentThread();

        var result = Verifier.Verify(input, Context);

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(MdocError.CborMalformed, result.Error);
        Assert.True(allocated < AllocationBound, $"{description}: {allocated} bytes allocated");
    }

    [Theory]
    [InlineData("neg_cbor_deep_nesting")]
    [InlineData("neg_cbor_huge_array_count")]
    [InlineData("neg_cbor_huge_bstr_length")]
    public void Resource_vectors_are_refused_without_allocating_their_declared_size(string id)
    {
        var vector = MdlVector.Load(id);
        var input = vector.DeviceResponse;
        var verifier = new MdocVerifier(vector.TrustList);
        var context = vector.Context();
        verifier.Verify(input, context);
        var before = GC.GetAllocatedBytesForCurrentThread();

        var result = verifier.Verify(input, context);

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(MdocError.CborMalformed, result.Error);
        Assert.True(allocated < AllocationBound, $"{allocated} bytes allocated");
    }

    [Fact]
    public void Input_above_the_size_limit_is_refused_before_decoding()
    {
        var verifier = new MdocVerifier(IacaTrustList.Empty, new MdocDecodingLimits { MaxBytes = 1024 });

        var result = verifier.Verify(new byte[2048], Context);

        Assert.Equal(MdocError.CborMalformed, result.Error);
    }

    [Fact]
    public void Nesting_at_the_limit_is_well_formed_and_one_deeper_is_not()
    {
        byte[] AtDepth(int depth) => [.. Enumerable.Repeat((byte)0x81, depth), 0x00];

        CborWellFormedness.Check(AtDepth(32), MdocDecodingLimits.Default);
        var error = Assert.Throws<MdocVerificationException>(() => CborWellFormedness.Check(AtDepth(33), MdocDecodingLimits.Default));
        Assert.Equal(MdocError.CborMalformed, error.Error);
    }

    [Fact]
    public void Terminated_indefinite_lengths_are_well_formed()
    {
        CborWellFormedness.Check([0x9F, 0x01, 0x5F, 0x41, 0x00, 0xFF, 0xFF], MdocDecodingLimits.Default);
    }

    [Fact]
    public void Indefinite_string_with_a_chunk_of_another_type_is_malformed()
    {
        var error = Assert.Throws<MdocVerificationException>(() => CborWellFormedness.Check([0x5F, 0x61, 0x61, 0xFF], MdocDecodingLimits.Default));
        Assert.Equal(MdocError.CborMalformed, error.Error);
    }
}
