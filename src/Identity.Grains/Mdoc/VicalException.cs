namespace Identity.Grains.Mdoc;

/// <summary>A VICAL was refused: bad signature, unknown signer or malformed content.</summary>
public sealed class VicalException : Exception
{
    public VicalException()
    {
    }

    public VicalException(string message)
        : base(message)
    {
    }

    public VicalException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
