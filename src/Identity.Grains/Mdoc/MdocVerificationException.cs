namespace Identity.Grains.Mdoc;

/// <summary>Ends a verification early with one category; never escapes <see cref="MdocVerifier"/>.</summary>
internal sealed class MdocVerificationException(MdocError error, string detail) : Exception(detail)
{
    public MdocError Error { get; } = error;
}
