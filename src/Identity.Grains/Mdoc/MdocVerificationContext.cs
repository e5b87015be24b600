using System.Security.Cryptography;

namespace Identity.Grains.Mdoc;

/// <summary>What the verifier knows about the request a DeviceResponse answers.</summary>
/// <param name="SessionTranscript">Rebuilt by the verifier from its own request.</param>
/// <param name="VerificationTime">"Now" for every certificate and MSO time check (the caller's clock, never the system's).</param>
public sealed record MdocVerificationContext(SessionTranscript SessionTranscript, DateTimeOffset VerificationTime)
{
    /// <summary>The reader's ephemeral private key; only with it can a <c>deviceMac</c> be checked.</summary>
    public ECDiffieHellman? ReaderKey { get; init; }
}
