using System.Globalization;

namespace Identity.Grains.Mdoc;

/// <summary>RFC 3339 <c>tdate</c> parsing as 18013-5 uses it (tag 0, UTC or an offset, optional fraction).</summary>
internal static class MdocDates
{
    private static readonly string[] Formats =
    [
        "yyyy-MM-dd'T'HH:mm:ssK",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
    ];

    public static DateTimeOffset ParseTdate(string text) =>
        DateTimeOffset.TryParseExact(text, Formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value)
            ? value
            : throw new MdocVerificationException(MdocError.StructureInvalid, "a tdate is not an RFC 3339 date-time");
}
