using System.Buffers.Binary;
using System.Formats.Cbor;

namespace Identity.Api.Passkeys.WebAuthn;

/// <summary>WebAuthn authenticator data (§6.1), parsed strictly.</summary>
public sealed record AuthenticatorData(
    byte[] RpIdHash,
    AuthenticatorFlags Flags,
    uint SignCount,
    Guid? Aaguid,
    byte[]? CredentialId,
    byte[]? CredentialPublicKey)
{
    private const int FixedLength = 37;
    private const int MaxCredentialIdLength = 1023;

    public bool UserPresent => Flags.HasFlag(AuthenticatorFlags.UserPresent);
    public bool UserVerified => Flags.HasFlag(AuthenticatorFlags.UserVerified);
    public bool BackupEligible => Flags.HasFlag(AuthenticatorFlags.BackupEligible);
    public bool BackedUp => Flags.HasFlag(AuthenticatorFlags.BackedUp);

    public static AuthenticatorData Parse(ReadOnlyMemory<byte> data)
    {
        var span = data.Span;
        if (span.Length < FixedLength)
        {
            throw new FormatException("Authenticator data is shorter than 37 bytes.");
        }
        var flags = (AuthenticatorFlags)span[32];
        var signCount = BinaryPrimitives.ReadUInt32BigEndian(span[33..37]);
        var offset = FixedLength;
        Guid? aaguid = null;
        byte[]? credentialId = null, publicKey = null;
        if (flags.HasFlag(AuthenticatorFlags.AttestedCredentialData))
        {
            if (span.Length < offset + 18)
            {
                throw new FormatException("Attested credential data is truncated.");
            }
            aaguid = new Guid(span.Slice(offset, 16), bigEndian: true);
            var idLength = BinaryPrimitives.ReadUInt16BigEndian(span.Slice(offset + 16, 2));
            offset += 18;
            if (idLength > MaxCredentialIdLength || span.Length < offset + idLength)
            {
                throw new FormatException("Credential id length is invalid.");
            }
            credentialId = span.Slice(offset, idLength).ToArray();
            offset += idLength;
            var reader = new CborReader(data[offset..], CborConformanceMode.Ctap2Canonical, allowMultipleRootLevelValues: true);
            var before = reader.BytesRemaining;
            reader.SkipValue();
            var keyLength = before - reader.BytesRemaining;
            publicKey = span.Slice(offset, keyLength).ToArray();
            offset += keyLength;
        }
        if (flags.HasFlag(AuthenticatorFlags.ExtensionData))
        {
            var reader = new CborReader(data[offset..], CborConformanceMode.Lax, allowMultipleRootLevelValues: true);
            var before = reader.BytesRemaining;
            reader.SkipValue();
            offset += before - reader.BytesRemaining;
        }
        if (offset != span.Length)
        {
            throw new FormatException("Authenticator data has trailing bytes.");
        }
        return new AuthenticatorData(span[..32].ToArray(), flags, signCount, aaguid, credentialId, publicKey);
    }
}
