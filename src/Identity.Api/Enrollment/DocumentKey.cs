using System.Security.Cryptography;
using System.Text;

namespace Identity.Api.Enrollment;

/// <summary>
/// The keyed hash that stands for an identity document: HMAC-SHA256(secret, issuing country ‖ 0x1F ‖ document number).
/// Without the secret the hash cannot be checked against guessed numbers, and the number itself is never stored.
/// </summary>
public sealed class DocumentKey(byte[] secret)
{
    public byte[] For(string issuingCountry, string documentNumber) =>
        HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes($"{issuingCountry.ToUpperInvariant()}\u001f{documentNumber}"));
}
