using System.Formats.Cbor;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Identity.Grains.Mdoc;

/// <summary>
/// An imported AAMVA / ISO/IEC 18013-5 Annex C VICAL: a COSE_Sign1 whose payload is the CBOR
/// <c>{version, vicalProvider, date, ?vicalIssueID, ?nextUpdate, certificateInfos: [{certificate, serialNumber, ski, docType, …}]}</c>.
/// The signature is checked against the configured VICAL signer before any certificate is taken.
/// </summary>
public sealed record Vical(
    string Version,
    string Provider,
    DateTimeOffset Date,
    ulong? IssueId,
    DateTimeOffset? NextUpdate,
    IReadOnlyList<VicalEntry> Entries)
{
    /// <summary>The IACAs for <paramref name="docType"/> (all entries when null), as a trust list.</summary>
    public IacaTrustList ToTrustList(string? docType = "org.iso.18013.5.1.mDL") =>
        IacaTrustList.FromCertificates(
            Entries.Where(e => docType is null || e.DocTypes.Contains(docType, StringComparer.Ordinal)).Select(e => e.Certificate),
            $"VICAL {Provider} {Date:yyyy-MM-dd}");

    /// <summary>
    /// Verifies and parses a VICAL. <paramref name="signer"/> is the configured VICAL signer: either the certificate
    /// that signed it, or the CA that issued the signer certificate carried in the VICAL's x5chain.
    /// </summary>
    /// <exception cref="VicalException">The signature, signer or structure is wrong.</exception>
    public static Vical Import(ReadOnlyMemory<byte> vical, X509Certificate2 signer, DateTimeOffset verificationTime, MdocDecodingLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(signer);
        limits ??= MdocDecodingLimits.Default with { MaxBytes = 16 << 20 };
        try
        {
            CborWellFormedness.Check(vical.Span, limits);
            var reader = new CborReader(vical, CborConformanceMode.Strict);
            var message = CoseMessage.Read(reader, limits, "VICAL");
            var algorithm = message.Algorithm switch
            {
                (long)CoseAlgorithm.ES256 or (long)CoseAlgorithm.ES384 or (long)CoseAlgorithm.ES512 or (long)CoseAlgorithm.EdDSA => (CoseAlgorithm)message.Algorithm.Value,
                _ => throw new VicalException($"VICAL alg {message.Algorithm} is not one of ES256, ES384, ES512, EdDSA"),
            };
            if (message.Payload is not { } payload)
            {
                throw new VicalException("the VICAL has no payload");
            }
            using var signingCertificate = SigningCertificate(message, signer, verificationTime);
            using var key = CoseVerificationKey.FromCertificate(signingCertificate)
                ?? throw new VicalException("the VICAL signer key is neither EC nor Ed25519");
            if (!key.Fits(algorithm))
            {
                throw new VicalException($"VICAL alg {algorithm} does not match the signer key");
            }
            var toBeSigned = CoseStructures.ToBeSigned("Signature1"u8, message.ProtectedBytes.Span, payload.Span, out var length);
            var valid = key.Verify(algorithm, toBeSigned.AsSpan(0, length), message.Signature.Span);
            System.Buffers.ArrayPool<byte>.Shared.Return(toBeSigned);
            if (!valid)
            {
                throw new VicalException("the VICAL signature does not verify with the configured signer");
            }
            return ParsePayload(payload, limits);
        }
        catch (MdocVerificationException e)
        {
            throw new VicalException($"the VICAL is not valid CBOR: {e.Message}", e);
        }
        catch (Exception e) when (e is CborContentException or InvalidOperationException or OverflowException or FormatException or CryptographicException)
        {
            throw new VicalException($"the VICAL does not match ISO/IEC 18013-5 Annex C: {e.Message}", e);
        }
    }

    private static X509Certificate2 SigningCertificate(CoseMessage message, X509Certificate2 configured, DateTimeOffset now)
    {
        if (message.X5Chain.Count == 0 || message.X5Chain[0].Span.SequenceEqual(configured.RawData))
        {
            return X509CertificateLoader.LoadCertificate(configured.RawData);
        }
        var leaf = X509CertificateLoader.LoadCertificate(message.X5Chain[0].Span);
        using var caKey = CoseVerificationKey.FromCertificate(configured)
            ?? throw new VicalException("the configured VICAL signer key is neither EC nor Ed25519");
        var certificate = new System.Formats.Asn1.AsnReader(leaf.RawDataMemory, System.Formats.Asn1.AsnEncodingRules.DER).ReadSequence();
        var tbs = certificate.ReadEncodedValue();
        var oid = certificate.ReadSequence().ReadObjectIdentifier();
        var signature = certificate.ReadBitString(out _);
        if (!caKey.VerifyCertificateSignature(oid, tbs.Span, signature))
        {
            leaf.Dispose();
            throw new VicalException("the VICAL signer certificate is neither the configured signer nor issued by it");
        }
        var utc = now.UtcDateTime;
        if (utc < leaf.NotBefore.ToUniversalTime() || utc > leaf.NotAfter.ToUniversalTime())
        {
            leaf.Dispose();
            throw new VicalException("the VICAL signer certificate is not valid at the verification time");
        }
        return leaf;
    }

    private static Vical ParsePayload(ReadOnlyMemory<byte> payload, MdocDecodingLimits limits)
    {
        CborWellFormedness.Check(payload.Span, limits);
        var reader = new CborReader(payload, CborConformanceMode.Strict);
        if (reader.PeekState() == CborReaderState.Tag)
        {
            if (reader.ReadTag() != CborTag.EncodedCborDataItem)
            {
                throw new VicalException("the VICAL payload carries a tag other than 24");
            }
            payload = reader.ReadDefiniteLengthByteString();
            CborWellFormedness.Check(payload.Span, limits);
            reader = new CborReader(payload, CborConformanceMode.Strict);
        }
        string? version = null, provider = null;
        DateTimeOffset? date = null, nextUpdate = null;
        ulong? issueId = null;
        List<VicalEntry>? entries = null;
        reader.ReadStartMap();
        while (reader.PeekState() != CborReaderState.EndMap)
        {
            switch (reader.ReadTextString())
            {
                case "version":
                    version = reader.ReadTextString();
                    break;
                case "vicalProvider":
                    provider = reader.ReadTextString();
                    break;
                case "date":
                    date = ReadTdate(reader);
                    break;
                case "nextUpdate":
                    nextUpdate = ReadTdate(reader);
                    break;
                case "vicalIssueID":
                    issueId = reader.ReadUInt64();
                    break;
                case "certificateInfos":
                    entries = [];
                    reader.ReadStartArray();
                    while (reader.PeekState() != CborReaderState.EndArray)
                    {
                        entries.Add(ReadEntry(reader));
                    }
                    reader.ReadEndArray();
                    break;
                default:
                    reader.SkipValue();
                    break;
            }
        }
        reader.ReadEndMap();
        if (version is null || provider is null || date is null || entries is null)
        {
            throw new VicalException("the VICAL lacks version, vicalProvider, date or certificateInfos");
        }
        return new Vical(version, provider, date.Value, issueId, nextUpdate, entries);
    }

    private static VicalEntry ReadEntry(CborReader reader)
    {
        byte[]? certificate = null;
        var docTypes = new List<string>();
        string? issuingAuthority = null, issuingCountry = null;
        reader.ReadStartMap();
        while (reader.PeekState() != CborReaderState.EndMap)
        {
            switch (reader.ReadTextString())
            {
                case "certificate":
                    certificate = reader.ReadByteString();
                    break;
                case "docType":
                    reader.ReadStartArray();
                    while (reader.PeekState() != CborReaderState.EndArray)
                    {
                        docTypes.Add(reader.ReadTextString());
                    }
                    reader.ReadEndArray();
                    break;
                case "issuingAuthority":
                    issuingAuthority = reader.ReadTextString();
                    break;
                case "issuingCountry":
                    issuingCountry = reader.ReadTextString();
                    break;
                default:
                    reader.SkipValue();
                    break;
            }
        }
        reader.ReadEndMap();
        if (certificate is null || docTypes.Count == 0)
        {
            throw new VicalException("a VICAL CertificateInfo lacks certificate or docType");
        }
        return new VicalEntry(X509CertificateLoader.LoadCertificate(certificate), docTypes, issuingAuthority, issuingCountry);
    }

    private static DateTimeOffset ReadTdate(CborReader reader)
    {
        if (reader.PeekState() == CborReaderState.Tag)
        {
            _ = reader.ReadTag();
        }
        return MdocDates.ParseTdate(reader.ReadTextString());
    }
}
