using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Identity.Grains.Audit;

/// <summary>
/// The hash that links an audit entry to the one before it in the same chain.
/// <code>
/// hash(n) = SHA-256( "IdentityConsent/audit/v1\n"            ASCII, 25 bytes, domain separation
///                  ‖ chain                                   16 bytes, the patient's UUID in RFC 4122 (big-endian) order; all zero for the system chain
///                  ‖ sequence(n)                             8 bytes, signed big-endian; 1 for the first entry a chain ever had
///                  ‖ recorded(n)                             8 bytes, signed big-endian, Unix time in milliseconds
///                  ‖ hash(n-1)                               32 bytes; 32 zero bytes for sequence 1, the anchor's hash after a purge
///                  ‖ event(n) )                              the AuditEvent exactly as stored: UTF-8 of its canonical (compact) FHIR JSON
/// </code>
/// Every field is fixed-width except the event, which comes last, so no two inputs encode alike.
/// </summary>
public static class AuditHash
{
    public const int Size = 32;

    private static readonly byte[] Domain = Encoding.ASCII.GetBytes("IdentityConsent/audit/v1\n");

    /// <summary>The "previous hash" of a chain's first entry.</summary>
    public static ReadOnlySpan<byte> Genesis => new byte[Size];

    public static byte[] Compute(Guid chain, long sequence, DateTimeOffset recorded, ReadOnlySpan<byte> previousHash, ReadOnlySpan<byte> eventUtf8)
    {
        if (previousHash.Length != Size)
        {
            throw new ArgumentException($"A previous hash has {Size} bytes.", nameof(previousHash));
        }
        Span<byte> header = stackalloc byte[16 + 8 + 8];
        chain.TryWriteBytes(header[..16], bigEndian: true, out _);
        BinaryPrimitives.WriteInt64BigEndian(header[16..24], sequence);
        BinaryPrimitives.WriteInt64BigEndian(header[24..32], recorded.ToUnixTimeMilliseconds());

        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Domain);
        sha.AppendData(header);
        sha.AppendData(previousHash);
        sha.AppendData(eventUtf8);
        return sha.GetHashAndReset();
    }

    public static byte[] Compute(Guid chain, long sequence, DateTimeOffset recorded, ReadOnlySpan<byte> previousHash, string eventJson) =>
        Compute(chain, sequence, recorded, previousHash, Encoding.UTF8.GetBytes(eventJson));
}
