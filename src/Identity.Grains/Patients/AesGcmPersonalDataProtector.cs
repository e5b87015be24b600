using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Identity.Grains.Patients;

/// <summary>
/// AES-256-GCM with a key ring: new data is sealed with the current key, older data still opens with a previous key.
/// Layout: version (1 byte, 1) ‖ key id (4 bytes: the first bytes of SHA-256(key)) ‖ nonce (12) ‖ tag (16) ‖ ciphertext.
/// The associated data names the patient, so a value copied to another patient does not open.
/// </summary>
public sealed class AesGcmPersonalDataProtector : IPersonalDataProtector
{
    private const byte Version = 1;
    private const int HeaderLength = 1 + 4 + 12 + 16;
    private readonly (uint Id, byte[] Key) _current;
    private readonly Dictionary<uint, byte[]> _keys = [];

    /// <param name="currentKey">32 random bytes.</param>
    /// <param name="previousKeys">Keys data may still be sealed with (after a rotation).</param>
    public AesGcmPersonalDataProtector(byte[] currentKey, IEnumerable<byte[]>? previousKeys = null)
    {
        foreach (var key in (previousKeys ?? []).Prepend(currentKey))
        {
            if (key.Length != 32)
            {
                throw new ArgumentException("A personal-data key must be 32 bytes (AES-256).", nameof(currentKey));
            }
            _keys.TryAdd(KeyId(key), key);
        }
        _current = (KeyId(currentKey), currentKey);
    }

    public byte[] Protect(ReadOnlySpan<byte> plaintext, Guid patient)
    {
        var output = new byte[HeaderLength + plaintext.Length];
        output[0] = Version;
        BinaryPrimitives.WriteUInt32BigEndian(output.AsSpan(1, 4), _current.Id);
        var nonce = output.AsSpan(5, 12);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_current.Key, 16);
        aes.Encrypt(nonce, plaintext, output.AsSpan(HeaderLength), output.AsSpan(17, 16), AssociatedData(patient));
        return output;
    }

    public byte[] Unprotect(ReadOnlySpan<byte> sealedData, Guid patient)
    {
        if (sealedData.Length < HeaderLength || sealedData[0] != Version)
        {
            throw new CryptographicException("Sealed personal data has an unknown layout.");
        }
        if (!_keys.TryGetValue(BinaryPrimitives.ReadUInt32BigEndian(sealedData.Slice(1, 4)), out var key))
        {
            throw new CryptographicException("Sealed personal data was sealed with a key that is not configured (Enrollment:PiiKey / Enrollment:PreviousPiiKeys).");
        }
        var plaintext = new byte[sealedData.Length - HeaderLength];
        using var aes = new AesGcm(key, 16);
        aes.Decrypt(sealedData.Slice(5, 12), sealedData[HeaderLength..], sealedData.Slice(17, 16), plaintext, AssociatedData(patient));
        return plaintext;
    }

    private static uint KeyId(byte[] key) => BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData(key));

    private static byte[] AssociatedData(Guid patient) => [.. "identityconsent/pii/v1/"u8, .. patient.ToByteArray(bigEndian: true)];
}
