using System.Formats.Cbor;
using System.Security.Cryptography;

namespace Identity.Grains.Mdoc;

/// <summary>
/// The SessionTranscript the verifier rebuilds from its own request (never taken from the wallet), as CBOR.
/// OpenID4VP 1.0 Appendix B.2.6 for redirect and DC API; ISO/IEC 18013-7 Annex C for <c>dcapi</c>; or given
/// SessionTranscriptBytes (18013-5 proximity, e.g. the Annex D example).
/// </summary>
public sealed class SessionTranscript
{
    private SessionTranscript(byte[] encoded, byte[] taggedBytes)
    {
        Encoded = encoded;
        TaggedBytes = taggedBytes;
    }

    /// <summary>The SessionTranscript array as it appears inside DeviceAuthentication.</summary>
    public ReadOnlyMemory<byte> Encoded { get; }

    /// <summary>SessionTranscriptBytes: <c>#6.24(bstr .cbor SessionTranscript)</c> (the deviceMac HKDF salt is its SHA-256).</summary>
    public ReadOnlyMemory<byte> TaggedBytes { get; }

    /// <summary>Redirect flow: <c>["OpenID4VPHandover", SHA-256(CBOR([client_id, nonce, jwkThumbprint, response_uri]))]</c>.</summary>
    /// <param name="jwkThumbprint">The raw 32-byte RFC 7638 thumbprint of the response-encryption key, or null for unencrypted responses.</param>
    public static SessionTranscript ForOpenId4Vp(string clientId, string nonce, byte[]? jwkThumbprint, string responseUri) =>
        FromHandover("OpenID4VPHandover", OpenId4VpHandoverInfo(clientId, nonce, jwkThumbprint, responseUri));

    /// <summary>Digital Credentials API: <c>["OpenID4VPDCAPIHandover", SHA-256(CBOR([origin, nonce, jwkThumbprint]))]</c>.</summary>
    public static SessionTranscript ForOpenId4VpDcApi(string origin, string nonce, byte[]? jwkThumbprint) =>
        FromHandover("OpenID4VPDCAPIHandover", OpenId4VpDcApiHandoverInfo(origin, nonce, jwkThumbprint));

    /// <summary>ISO/IEC 18013-7 Annex C: <c>["dcapi", SHA-256(CBOR([Base64EncryptionInfo, SerializedOrigin]))]</c>.</summary>
    /// <param name="base64EncryptionInfo">The base64url <c>EncryptionInfo</c> the verifier put in its request.</param>
    public static SessionTranscript ForIsoDcApi(string base64EncryptionInfo, string origin)
    {
        var writer = new CborWriter(CborConformanceMode.Strict);
        writer.WriteStartArray(2);
        writer.WriteTextString(base64EncryptionInfo);
        writer.WriteTextString(origin);
        writer.WriteEndArray();
        return FromHandover("dcapi", writer.Encode());
    }

    /// <summary>SessionTranscriptBytes supplied as received (<c>#6.24</c>-wrapped), as in 18013-5 proximity flows.</summary>
    public static SessionTranscript FromSessionTranscriptBytes(ReadOnlySpan<byte> taggedBytes)
    {
        try
        {
            CborWellFormedness.Check(taggedBytes, MdocDecodingLimits.Default);
            var reader = new CborReader(taggedBytes.ToArray(), CborConformanceMode.Strict);
            if (reader.ReadTag() != CborTag.EncodedCborDataItem)
            {
                throw new ArgumentException("SessionTranscriptBytes must be a #6.24 byte string.", nameof(taggedBytes));
            }
            var encoded = reader.ReadByteString();
            CborWellFormedness.Check(encoded, MdocDecodingLimits.Default);
            var inner = new CborReader(encoded, CborConformanceMode.Strict);
            if (inner.PeekState() != CborReaderState.StartArray)
            {
                throw new ArgumentException("SessionTranscript must be a CBOR array.", nameof(taggedBytes));
            }
            inner.SkipValue();
            return new SessionTranscript(encoded, taggedBytes.ToArray());
        }
        catch (Exception e) when (e is CborContentException or InvalidOperationException or MdocVerificationException)
        {
            throw new ArgumentException($"SessionTranscriptBytes are not valid CBOR: {e.Message}", nameof(taggedBytes), e);
        }
    }

    internal static byte[] OpenId4VpHandoverInfo(string clientId, string nonce, byte[]? jwkThumbprint, string responseUri)
    {
        var writer = new CborWriter(CborConformanceMode.Strict);
        writer.WriteStartArray(4);
        writer.WriteTextString(clientId);
        writer.WriteTextString(nonce);
        WriteThumbprint(writer, jwkThumbprint);
        writer.WriteTextString(responseUri);
        writer.WriteEndArray();
        return writer.Encode();
    }

    internal static byte[] OpenId4VpDcApiHandoverInfo(string origin, string nonce, byte[]? jwkThumbprint)
    {
        var writer = new CborWriter(CborConformanceMode.Strict);
        writer.WriteStartArray(3);
        writer.WriteTextString(origin);
        writer.WriteTextString(nonce);
        WriteThumbprint(writer, jwkThumbprint);
        writer.WriteEndArray();
        return writer.Encode();
    }

    private static void WriteThumbprint(CborWriter writer, byte[]? jwkThumbprint)
    {
        if (jwkThumbprint is null)
        {
            writer.WriteNull();
        }
        else
        {
            writer.WriteByteString(jwkThumbprint);
        }
    }

    private static SessionTranscript FromHandover(string handoverType, byte[] handoverInfo)
    {
        var writer = new CborWriter(CborConformanceMode.Strict);
        writer.WriteStartArray(3);
        writer.WriteNull();
        writer.WriteNull();
        writer.WriteStartArray(2);
        writer.WriteTextString(handoverType);
        writer.WriteByteString(SHA256.HashData(handoverInfo));
        writer.WriteEndArray();
        writer.WriteEndArray();
        var encoded = writer.Encode();
        var tagged = new CborWriter(CborConformanceMode.Strict);
        tagged.WriteTag(CborTag.EncodedCborDataItem);
        tagged.WriteByteString(encoded);
        return new SessionTranscript(encoded, tagged.Encode());
    }
}
