using System.Formats.Cbor;
using System.Security.Cryptography;

namespace Identity.Grains.Mdoc;

/// <summary>
/// The CBOR and COSE pieces an mdoc issuer writes (ISO/IEC 18013-5 §9.1.2, RFC 9052 COSE_Sign1): used by the Development
/// demo issuing authority and by the tests' wallet, never by the verifier, which reads with its own limits.
/// </summary>
public static class MdocWriter
{
    public static byte[] Encode(Action<CborWriter> write)
    {
        var writer = new CborWriter(CborConformanceMode.Lax);
        write(writer);
        return writer.Encode();
    }

    /// <summary><c>#6.24(bstr .cbor content)</c>: an embedded CBOR data item.</summary>
    public static byte[] Tag24(byte[] content) => Encode(w =>
    {
        w.WriteTag(CborTag.EncodedCborDataItem);
        w.WriteByteString(content);
    });

    /// <summary>A COSE protected header holding only the algorithm (label 1).</summary>
    public static byte[] ProtectedHeader(long algorithm) => Encode(w =>
    {
        w.WriteStartMap(1);
        w.WriteInt32(1);
        w.WriteInt64(algorithm);
        w.WriteEndMap();
    });

    /// <summary>The COSE_Sign1 Sig_structure with empty external AAD: what is actually signed.</summary>
    public static byte[] SigStructure(byte[] protectedHeader, byte[] payload) => Encode(w =>
    {
        w.WriteStartArray(4);
        w.WriteTextString("Signature1");
        w.WriteByteString(protectedHeader);
        w.WriteByteString([]);
        w.WriteByteString(payload);
        w.WriteEndArray();
    });

    /// <summary>An IssuerSignedItem as <c>#6.24</c> bytes, with 16 random bytes of salt.</summary>
    public static byte[] IssuerSignedItem(uint digestId, string identifier, Action<CborWriter> value) => Tag24(Encode(w =>
    {
        w.WriteStartMap(4);
        w.WriteTextString("digestID");
        w.WriteUInt32(digestId);
        w.WriteTextString("random");
        w.WriteByteString(RandomNumberGenerator.GetBytes(16));
        w.WriteTextString("elementIdentifier");
        w.WriteTextString(identifier);
        w.WriteTextString("elementValue");
        value(w);
        w.WriteEndMap();
    }));

    /// <summary>
    /// The MobileSecurityObject as <c>#6.24</c> bytes (§9.1.2.4): SHA-256 digests of one namespace, the device key written
    /// by <paramref name="writeDeviceKey"/> (a COSE_Key), the docType and the validity.
    /// </summary>
    public static byte[] MobileSecurityObject(string nameSpace, string docType, IReadOnlyList<(uint Id, byte[] Digest)> digests,
        Action<CborWriter> writeDeviceKey, DateTimeOffset signed, DateTimeOffset validFrom, DateTimeOffset validUntil) => Tag24(Encode(w =>
    {
        w.WriteStartMap(6);
        w.WriteTextString("version");
        w.WriteTextString("1.0");
        w.WriteTextString("digestAlgorithm");
        w.WriteTextString("SHA-256");
        w.WriteTextString("valueDigests");
        w.WriteStartMap(1);
        w.WriteTextString(nameSpace);
        w.WriteStartMap(digests.Count);
        foreach (var (id, digest) in digests)
        {
            w.WriteUInt32(id);
            w.WriteByteString(digest);
        }
        w.WriteEndMap();
        w.WriteEndMap();
        w.WriteTextString("deviceKeyInfo");
        w.WriteStartMap(1);
        w.WriteTextString("deviceKey");
        writeDeviceKey(w);
        w.WriteEndMap();
        w.WriteTextString("docType");
        w.WriteTextString(docType);
        w.WriteTextString("validityInfo");
        w.WriteStartMap(3);
        w.WriteTextString("signed");
        w.WriteDateTimeOffset(signed);
        w.WriteTextString("validFrom");
        w.WriteDateTimeOffset(validFrom);
        w.WriteTextString("validUntil");
        w.WriteDateTimeOffset(validUntil);
        w.WriteEndMap();
        w.WriteEndMap();
    }));

    /// <summary>A P-256 public key as a COSE_Key (kty EC2, crv P-256, x, y).</summary>
    public static void WriteP256Key(CborWriter w, ECPoint q)
    {
        w.WriteStartMap(4);
        w.WriteInt32(1);
        w.WriteInt32(2);
        w.WriteInt32(-1);
        w.WriteInt32(1);
        w.WriteInt32(-2);
        w.WriteByteString(q.X!);
        w.WriteInt32(-3);
        w.WriteByteString(q.Y!);
        w.WriteEndMap();
    }
}
