using System.Formats.Cbor;

namespace Identity.Api.Passkeys.WebAuthn;

/// <summary>The CBOR attestation object of a registration (WebAuthn §6.5): format, statement and authenticator data.</summary>
public sealed record AttestationObject(string Format, byte[] AuthenticatorData)
{
    private const int MaxEntries = 8;

    public static AttestationObject Decode(ReadOnlyMemory<byte> bytes)
    {
        var reader = new CborReader(bytes, CborConformanceMode.Ctap2Canonical);
        var count = reader.ReadStartMap() ?? throw new CborContentException("Attestation object must have a definite length.");
        if (count > MaxEntries)
        {
            throw new CborContentException("Attestation object has too many entries.");
        }
        string? format = null;
        byte[]? authData = null;
        for (var i = 0; i < count; i++)
        {
            switch (reader.ReadTextString())
            {
                case "fmt": format = reader.ReadTextString(); break;
                case "authData": authData = reader.ReadByteString(); break;
                default: reader.SkipValue(); break;
            }
        }
        reader.ReadEndMap();
        if (reader.BytesRemaining != 0)
        {
            throw new CborContentException("Trailing bytes after the attestation object.");
        }
        return new AttestationObject(
            format ?? throw new CborContentException("Attestation object has no fmt."),
            authData ?? throw new CborContentException("Attestation object has no authData."));
    }
}
