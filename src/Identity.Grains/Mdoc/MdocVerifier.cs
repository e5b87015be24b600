using System.Buffers;
using System.Formats.Cbor;
using System.Security.Cryptography;

namespace Identity.Grains.Mdoc;

/// <summary>
/// Verifies an ISO/IEC 18013-5 §9.3 DeviceResponse: strict CBOR, issuer authentication (COSE_Sign1 by a Document Signer
/// chained by signature to a configured IACA), the MSO (docType, validity, a digest per disclosed element) and device
/// authentication over the SessionTranscript the caller rebuilt. Pure CPU, no I/O, no clock of its own; thread-safe.
/// </summary>
public sealed class MdocVerifier(IacaTrustList trustList, MdocDecodingLimits? limits = null)
{
    /// <summary>Extended key usage a Document Signer certificate must carry (18013-5 Annex B).</summary>
    public const string DocumentSignerEku = "1.0.18013.5.1.2";

    private readonly MdocDecodingLimits _limits = limits ?? MdocDecodingLimits.Default;

    public IacaTrustList TrustList { get; } = trustList;

    public MdocVerificationResult Verify(ReadOnlyMemory<byte> deviceResponse, MdocVerificationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            var documents = Parse(deviceResponse);
            var verified = new VerifiedMdoc[documents.Count];
            for (var i = 0; i < documents.Count; i++)
            {
                verified[i] = VerifyDocument(documents[i], context);
            }
            return MdocVerificationResult.Valid(verified);
        }
        catch (MdocVerificationException e)
        {
            return MdocVerificationResult.Invalid(e.Error, e.Message);
        }
    }

    private List<ParsedDocument> Parse(ReadOnlyMemory<byte> deviceResponse)
    {
        try
        {
            CborWellFormedness.Check(deviceResponse.Span, _limits);
            var reader = new CborReader(deviceResponse, CborConformanceMode.Strict);
            string? version = null;
            ulong? status = null;
            List<ParsedDocument>? documents = null;
            reader.ReadStartMap();
            while (reader.PeekState() != CborReaderState.EndMap)
            {
                switch (ReadKey(reader, "DeviceResponse"))
                {
                    case "version":
                        version = reader.ReadTextString();
                        break;
                    case "status":
                        status = reader.ReadUInt64();
                        break;
                    case "documents":
                        documents = [];
                        reader.ReadStartArray();
                        while (reader.PeekState() != CborReaderState.EndArray)
                        {
                            documents.Add(ParseDocument(reader));
                        }
                        reader.ReadEndArray();
                        break;
                    default:
                        reader.SkipValue();
                        break;
                }
            }
            reader.ReadEndMap();
            if (version is null || status is null)
            {
                throw Structure("DeviceResponse lacks version or status");
            }
            if (!version.StartsWith("1.", StringComparison.Ordinal))
            {
                throw Structure($"DeviceResponse version '{version}' is not 1.x");
            }
            if (status != 0)
            {
                throw Structure($"DeviceResponse status is {status}, not 0 (OK)");
            }
            if (documents is not { Count: > 0 })
            {
                throw Structure("DeviceResponse holds no documents");
            }
            return documents;
        }
        catch (CborContentException e)
        {
            throw new MdocVerificationException(MdocError.CborMalformed, $"CBOR refused: {e.Message}");
        }
        catch (Exception e) when (e is InvalidOperationException or OverflowException or FormatException)
        {
            throw Structure($"CBOR does not match the 18013-5 structure: {e.Message}");
        }
    }

    private ParsedDocument ParseDocument(CborReader reader)
    {
        string? docType = null;
        List<IssuerItem>? items = null;
        CoseMessage? issuerAuth = null;
        ReadOnlyMemory<byte>? deviceNameSpaces = null;
        CoseMessage? deviceSignature = null;
        CoseMessage? deviceMac = null;
        reader.ReadStartMap();
        while (reader.PeekState() != CborReaderState.EndMap)
        {
            switch (ReadKey(reader, "Document"))
            {
                case "docType":
                    docType = reader.ReadTextString();
                    break;
                case "issuerSigned":
                    reader.ReadStartMap();
                    while (reader.PeekState() != CborReaderState.EndMap)
                    {
                        switch (ReadKey(reader, "IssuerSigned"))
                        {
                            case "nameSpaces":
                                items = ParseIssuerNameSpaces(reader);
                                break;
                            case "issuerAuth":
                                issuerAuth = CoseMessage.Read(reader, _limits, "issuerAuth");
                                break;
                            default:
                                reader.SkipValue();
                                break;
                        }
                    }
                    reader.ReadEndMap();
                    break;
                case "deviceSigned":
                    reader.ReadStartMap();
                    while (reader.PeekState() != CborReaderState.EndMap)
                    {
                        switch (ReadKey(reader, "DeviceSigned"))
                        {
                            case "nameSpaces":
                                deviceNameSpaces = ReadEmbedded(reader, "DeviceNameSpacesBytes", out var content);
                                new CborReader(content, CborConformanceMode.Strict).SkipValue();
                                break;
                            case "deviceAuth":
                                reader.ReadStartMap();
                                while (reader.PeekState() != CborReaderState.EndMap)
                                {
                                    switch (ReadKey(reader, "DeviceAuth"))
                                    {
                                        case "deviceSignature":
                                            deviceSignature = CoseMessage.Read(reader, _limits, "deviceSignature");
                                            break;
                                        case "deviceMac":
                                            deviceMac = CoseMessage.Read(reader, _limits, "deviceMac");
                                            break;
                                        default:
                                            reader.SkipValue();
                                            break;
                                    }
                                }
                                reader.ReadEndMap();
                                break;
                            default:
                                reader.SkipValue();
                                break;
                        }
                    }
                    reader.ReadEndMap();
                    break;
                default:
                    reader.SkipValue();
                    break;
            }
        }
        reader.ReadEndMap();
        if (docType is null || issuerAuth is null)
        {
            throw Structure("Document lacks docType or issuerSigned.issuerAuth");
        }
        if (deviceNameSpaces is null || (deviceSignature is null) == (deviceMac is null))
        {
            throw Structure("Document lacks deviceSigned.nameSpaces or exactly one of deviceSignature/deviceMac");
        }
        if (issuerAuth.Payload is not { } payload)
        {
            throw Structure("issuerAuth has no payload (MobileSecurityObjectBytes)");
        }
        return new ParsedDocument(docType, items ?? [], issuerAuth, ParseMso(payload), deviceNameSpaces.Value, deviceSignature ?? deviceMac!, deviceMac is not null);
    }

    private List<IssuerItem> ParseIssuerNameSpaces(CborReader reader)
    {
        var items = new List<IssuerItem>(32);
        reader.ReadStartMap();
        while (reader.PeekState() != CborReaderState.EndMap)
        {
            var nameSpace = reader.ReadTextString();
            reader.ReadStartArray();
            while (reader.PeekState() != CborReaderState.EndArray)
            {
                var encoded = ReadEmbedded(reader, "IssuerSignedItemBytes", out var content);
                var item = new CborReader(content, CborConformanceMode.Strict);
                ulong? digestId = null;
                string? identifier = null;
                MdocValue? value = null;
                var hasRandom = false;
                item.ReadStartMap();
                while (item.PeekState() != CborReaderState.EndMap)
                {
                    switch (ReadKey(item, "IssuerSignedItem"))
                    {
                        case "digestID":
                            digestId = item.ReadUInt64();
                            break;
                        case "random":
                            _ = item.ReadDefiniteLengthByteString();
                            hasRandom = true;
                            break;
                        case "elementIdentifier":
                            identifier = item.ReadTextString();
                            break;
                        case "elementValue":
                            value = MdocValue.Read(item);
                            break;
                        default:
                            item.SkipValue();
                            break;
                    }
                }
                item.ReadEndMap();
                if (digestId is null || identifier is null || value is null || !hasRandom)
                {
                    throw Structure($"an IssuerSignedItem in '{nameSpace}' lacks digestID, random, elementIdentifier or elementValue");
                }
                if (items.Exists(i => i.NameSpace == nameSpace && i.ElementIdentifier == identifier))
                {
                    throw Structure($"element '{identifier}' of '{nameSpace}' is disclosed twice");
                }
                items.Add(new IssuerItem(nameSpace, digestId.Value, identifier, value, encoded));
            }
            reader.ReadEndArray();
        }
        reader.ReadEndMap();
        return items;
    }

    private Mso ParseMso(ReadOnlyMemory<byte> payload)
    {
        CborWellFormedness.Check(payload.Span, _limits);
        var outer = new CborReader(payload, CborConformanceMode.Strict);
        _ = ReadEmbedded(outer, "MobileSecurityObjectBytes", out var msoBytes);
        var reader = new CborReader(msoBytes, CborConformanceMode.Strict);
        string? version = null, digestAlgorithm = null, docType = null;
        Dictionary<string, Dictionary<ulong, ReadOnlyMemory<byte>>>? digests = null;
        DeviceKey? deviceKey = null;
        DateTimeOffset? signed = null, validFrom = null, validUntil = null;
        reader.ReadStartMap();
        while (reader.PeekState() != CborReaderState.EndMap)
        {
            switch (ReadKey(reader, "MobileSecurityObject"))
            {
                case "version":
                    version = reader.ReadTextString();
                    break;
                case "digestAlgorithm":
                    digestAlgorithm = reader.ReadTextString();
                    break;
                case "docType":
                    docType = reader.ReadTextString();
                    break;
                case "valueDigests":
                    digests = new Dictionary<string, Dictionary<ulong, ReadOnlyMemory<byte>>>(StringComparer.Ordinal);
                    reader.ReadStartMap();
                    while (reader.PeekState() != CborReaderState.EndMap)
                    {
                        var nameSpace = reader.ReadTextString();
                        var count = reader.ReadStartMap();
                        var byId = new Dictionary<ulong, ReadOnlyMemory<byte>>(count ?? 16);
                        while (reader.PeekState() != CborReaderState.EndMap)
                        {
                            byId[reader.ReadUInt64()] = reader.ReadDefiniteLengthByteString();
                        }
                        reader.ReadEndMap();
                        digests[nameSpace] = byId;
                    }
                    reader.ReadEndMap();
                    break;
                case "deviceKeyInfo":
                    reader.ReadStartMap();
                    while (reader.PeekState() != CborReaderState.EndMap)
                    {
                        if (ReadKey(reader, "DeviceKeyInfo") == "deviceKey")
                        {
                            deviceKey = DeviceKey.Read(reader);
                        }
                        else
                        {
                            reader.SkipValue();
                        }
                    }
                    reader.ReadEndMap();
                    break;
                case "validityInfo":
                    reader.ReadStartMap();
                    while (reader.PeekState() != CborReaderState.EndMap)
                    {
                        switch (ReadKey(reader, "ValidityInfo"))
                        {
                            case "signed":
                                signed = ReadTdate(reader);
                                break;
                            case "validFrom":
                                validFrom = ReadTdate(reader);
                                break;
                            case "validUntil":
                                validUntil = ReadTdate(reader);
                                break;
                            default:
                                reader.SkipValue();
                                break;
                        }
                    }
                    reader.ReadEndMap();
                    break;
                default:
                    reader.SkipValue();
                    break;
            }
        }
        reader.ReadEndMap();
        if (version is null || digestAlgorithm is null || docType is null || digests is null || deviceKey is null
            || signed is null || validFrom is null || validUntil is null)
        {
            throw Structure("the MSO lacks one of version, digestAlgorithm, valueDigests, deviceKeyInfo.deviceKey, docType, validityInfo.signed/validFrom/validUntil");
        }
        return new Mso(version, digestAlgorithm, docType, digests, deviceKey, signed.Value, validFrom.Value, validUntil.Value);
    }

    private VerifiedMdoc VerifyDocument(ParsedDocument document, MdocVerificationContext context)
    {
        var now = context.VerificationTime;
        var issuerAuth = document.IssuerAuth;
        var algorithm = AllowedSignatureAlgorithm(issuerAuth.Algorithm, "issuerAuth");
        if (issuerAuth.X5Chain.Count == 0)
        {
            throw Structure("issuerAuth has no x5chain (label 33) with the Document Signer certificate");
        }
        var documentSigner = DocumentSignerCertificate.Get(issuerAuth.X5Chain[0].Span);
        var iaca = FindIssuingIaca(documentSigner);
        CheckValidity(documentSigner.NotBefore, documentSigner.NotAfter, "Document Signer", now);
        CheckValidity(iaca.NotBefore, iaca.NotAfter, "IACA", now);
        CheckDocumentSignerProfile(documentSigner, iaca);
        if (documentSigner.Key is not { } signerKey || !signerKey.Fits(algorithm))
        {
            throw new MdocVerificationException(MdocError.UnsupportedAlgorithm, $"issuerAuth alg {algorithm} does not match the Document Signer key");
        }
        if (!VerifySignature(signerKey, algorithm, issuerAuth.ProtectedBytes.Span, issuerAuth.Payload!.Value.Span, issuerAuth.Signature.Span))
        {
            throw new MdocVerificationException(MdocError.IssuerSignatureInvalid, "the issuerAuth signature does not verify with the Document Signer key");
        }

        var mso = document.Mso;
        if (mso.Version != "1.0")
        {
            throw Structure($"MSO version '{mso.Version}' is not 1.0");
        }
        var digestHash = mso.DigestAlgorithm switch
        {
            "SHA-256" => HashAlgorithmName.SHA256,
            "SHA-384" => HashAlgorithmName.SHA384,
            "SHA-512" => HashAlgorithmName.SHA512,
            _ => throw new MdocVerificationException(MdocError.UnsupportedAlgorithm, $"MSO digestAlgorithm '{mso.DigestAlgorithm}' is not SHA-256/384/512"),
        };
        if (!string.Equals(mso.DocType, document.DocType, StringComparison.Ordinal))
        {
            throw new MdocVerificationException(MdocError.DoctypeMismatch, "the MSO docType differs from the Document docType");
        }
        if (now < mso.ValidFrom || now < mso.Signed)
        {
            throw new MdocVerificationException(MdocError.MsoNotYetValid, $"the MSO is valid from {mso.ValidFrom:O} (signed {mso.Signed:O}), after {now:O}");
        }
        if (now > mso.ValidUntil)
        {
            throw new MdocVerificationException(MdocError.MsoExpired, $"the MSO was valid until {mso.ValidUntil:O}, before {now:O}");
        }
        var elements = VerifyDigests(document.Items, mso, digestHash);
        var deviceAuthentication = VerifyDeviceAuthentication(document, context);

        var issuer = new MdocIssuer(
            documentSigner.Subject,
            documentSigner.SerialNumber,
            documentSigner.Thumbprint,
            new DateTimeOffset(documentSigner.NotAfter, TimeSpan.Zero),
            iaca.Subject,
            iaca.Id,
            iaca.Source,
            iaca.Country,
            algorithm);
        return new VerifiedMdoc(document.DocType, elements, issuer, mso.Signed, mso.ValidFrom, mso.ValidUntil, mso.DigestAlgorithm, deviceAuthentication);
    }

    private static Dictionary<string, IReadOnlyDictionary<string, MdocValue>> VerifyDigests(List<IssuerItem> items, Mso mso, HashAlgorithmName hash)
    {
        var elements = new Dictionary<string, IReadOnlyDictionary<string, MdocValue>>(StringComparer.Ordinal);
        Span<byte> digest = stackalloc byte[64];
        foreach (var item in items)
        {
            if (!mso.ValueDigests.TryGetValue(item.NameSpace, out var byId) || !byId.TryGetValue(item.DigestId, out var expected))
            {
                throw new MdocVerificationException(MdocError.DigestMismatch, $"element '{item.ElementIdentifier}' of '{item.NameSpace}' has no digest {item.DigestId} in the MSO");
            }
            var length = CryptographicOperations.HashData(hash, item.Encoded.Span, digest);
            if (!CryptographicOperations.FixedTimeEquals(digest[..length], expected.Span))
            {
                throw new MdocVerificationException(MdocError.DigestMismatch, $"element '{item.ElementIdentifier}' of '{item.NameSpace}' does not match its MSO digest");
            }
            if (!elements.TryGetValue(item.NameSpace, out var values))
            {
                values = new Dictionary<string, MdocValue>(StringComparer.Ordinal);
                elements[item.NameSpace] = values;
            }
            ((Dictionary<string, MdocValue>)values)[item.ElementIdentifier] = item.Value;
        }
        return elements;
    }

    private static MdocDeviceAuthentication VerifyDeviceAuthentication(ParsedDocument document, MdocVerificationContext context)
    {
        var auth = document.DeviceAuth;
        if (auth.Payload is { Length: > 0 })
        {
            throw Structure("device authentication must be detached (payload null)");
        }
        var deviceAuthenticationBytes = CoseStructures.DeviceAuthenticationBytes(
            context.SessionTranscript.Encoded.Span, document.DocType, document.DeviceNameSpacesBytes.Span);
        if (!document.DeviceAuthIsMac)
        {
            var algorithm = AllowedSignatureAlgorithm(auth.Algorithm, "deviceSignature");
            using var key = document.Mso.DeviceKey.ToVerificationKey();
            if (!key.Fits(algorithm))
            {
                throw new MdocVerificationException(MdocError.UnsupportedAlgorithm, $"deviceSignature alg {algorithm} does not match the MSO device key");
            }
            if (!VerifySignature(key, algorithm, auth.ProtectedBytes.Span, deviceAuthenticationBytes, auth.Signature.Span))
            {
                throw new MdocVerificationException(MdocError.DeviceSignatureInvalid, "the deviceSignature does not verify over DeviceAuthentication with the rebuilt SessionTranscript");
            }
            return MdocDeviceAuthentication.Signature;
        }
        if (auth.Algorithm != (long)CoseAlgorithm.HMAC256)
        {
            throw new MdocVerificationException(MdocError.UnsupportedAlgorithm, $"deviceMac alg {auth.Algorithm} is not HMAC 256/256 (5)");
        }
        if (context.ReaderKey is not { } readerKey)
        {
            throw new MdocVerificationException(MdocError.DeviceSignatureInvalid, "a deviceMac can only be checked with the reader's ephemeral key, and none was supplied");
        }
        var macKey = document.Mso.DeviceKey.DeriveMacKey(readerKey, context.SessionTranscript.TaggedBytes.Span);
        var toBeMaced = CoseStructures.ToBeSigned("MAC0"u8, auth.ProtectedBytes.Span, deviceAuthenticationBytes, out var length);
        try
        {
            Span<byte> tag = stackalloc byte[32];
            HMACSHA256.HashData(macKey, toBeMaced.AsSpan(0, length), tag);
            if (!CryptographicOperations.FixedTimeEquals(tag, auth.Signature.Span))
            {
                throw new MdocVerificationException(MdocError.DeviceSignatureInvalid, "the deviceMac does not verify over DeviceAuthentication with the rebuilt SessionTranscript");
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(toBeMaced);
            CryptographicOperations.ZeroMemory(macKey);
        }
        return MdocDeviceAuthentication.Mac;
    }

    private static bool VerifySignature(CoseVerificationKey key, CoseAlgorithm algorithm, ReadOnlySpan<byte> protectedBytes, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> signature)
    {
        var toBeSigned = CoseStructures.ToBeSigned("Signature1"u8, protectedBytes, payload, out var length);
        try
        {
            return key.Verify(algorithm, toBeSigned.AsSpan(0, length), signature);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(toBeSigned);
        }
    }

    private static CoseAlgorithm AllowedSignatureAlgorithm(long? algorithm, string what) => algorithm switch
    {
        null => throw Structure($"{what} has no alg in its protected header"),
        (long)CoseAlgorithm.ES256 or (long)CoseAlgorithm.ES384 or (long)CoseAlgorithm.ES512 or (long)CoseAlgorithm.EdDSA => (CoseAlgorithm)algorithm.Value,
        _ => throw new MdocVerificationException(MdocError.UnsupportedAlgorithm, $"{what} alg {algorithm} is not one of ES256, ES384, ES512, EdDSA"),
    };

    /// <summary>The configured IACA whose key verifies the DS certificate's signature; a matching name alone is not enough.</summary>
    private IacaTrustAnchor FindIssuingIaca(DocumentSignerCertificate documentSigner)
    {
        var candidates = TrustList.WithSubject(documentSigner.IssuerName);
        if (candidates.IsEmpty)
        {
            throw new MdocVerificationException(MdocError.UntrustedIssuer, "no configured IACA has the Document Signer's issuer name");
        }
        foreach (var anchor in candidates)
        {
            if (anchor.Key.VerifyCertificateSignature(documentSigner.SignatureAlgorithmOid, documentSigner.ToBeSigned.Span, documentSigner.Signature))
            {
                return anchor;
            }
        }
        throw new MdocVerificationException(MdocError.UntrustedIssuer, "the Document Signer certificate is not signed by any configured IACA");
    }

    private static void CheckValidity(DateTime notBefore, DateTime notAfter, string what, DateTimeOffset now)
    {
        var utc = now.UtcDateTime;
        if (utc < notBefore || utc > notAfter)
        {
            throw new MdocVerificationException(MdocError.CertificateExpired, $"the {what} certificate is valid {notBefore:O} to {notAfter:O}, not at {now:O}");
        }
    }

    private static void CheckDocumentSignerProfile(DocumentSignerCertificate documentSigner, IacaTrustAnchor iaca)
    {
        if (!documentSigner.HasDigitalSignature)
        {
            throw new MdocVerificationException(MdocError.CertificateProfile, "the Document Signer certificate lacks the digitalSignature key usage");
        }
        if (!documentSigner.HasDocumentSignerEku)
        {
            throw new MdocVerificationException(MdocError.CertificateProfile, $"the Document Signer certificate lacks the extended key usage {DocumentSignerEku}");
        }
        if (documentSigner.Country is null || !string.Equals(documentSigner.Country, iaca.Country, StringComparison.Ordinal))
        {
            throw new MdocVerificationException(MdocError.CertificateProfile,
                $"the Document Signer country '{documentSigner.Country}' differs from the IACA country '{iaca.Country}'");
        }
    }

    private static string ReadKey(CborReader reader, string what) =>
        reader.PeekState() == CborReaderState.TextString
            ? reader.ReadTextString()
            : throw Structure($"{what} has a map key that is not text");

    /// <summary>Reads <c>#6.24(bstr)</c>; returns the whole encoding as received and gives its checked content.</summary>
    private ReadOnlyMemory<byte> ReadEmbedded(CborReader reader, string what, out ReadOnlyMemory<byte> content)
    {
        var encoded = reader.ReadEncodedValue();
        var tagged = new CborReader(encoded, CborConformanceMode.Strict);
        if (tagged.PeekState() != CborReaderState.Tag || tagged.ReadTag() != CborTag.EncodedCborDataItem)
        {
            throw Structure($"{what} is not tagged #6.24");
        }
        content = tagged.ReadDefiniteLengthByteString();
        CborWellFormedness.Check(content.Span, _limits);
        return encoded;
    }

    private static DateTimeOffset ReadTdate(CborReader reader)
    {
        if (reader.ReadTag() != CborTag.DateTimeString)
        {
            throw Structure("a validityInfo date is not a tdate (tag 0)");
        }
        return MdocDates.ParseTdate(reader.ReadTextString());
    }

    private static MdocVerificationException Structure(string detail) => new(MdocError.StructureInvalid, detail);

    private sealed record IssuerItem(string NameSpace, ulong DigestId, string ElementIdentifier, MdocValue Value, ReadOnlyMemory<byte> Encoded);

    private sealed record ParsedDocument(
        string DocType,
        List<IssuerItem> Items,
        CoseMessage IssuerAuth,
        Mso Mso,
        ReadOnlyMemory<byte> DeviceNameSpacesBytes,
        CoseMessage DeviceAuth,
        bool DeviceAuthIsMac);

    private sealed record Mso(
        string Version,
        string DigestAlgorithm,
        string DocType,
        Dictionary<string, Dictionary<ulong, ReadOnlyMemory<byte>>> ValueDigests,
        DeviceKey DeviceKey,
        DateTimeOffset Signed,
        DateTimeOffset ValidFrom,
        DateTimeOffset ValidUntil);
}
