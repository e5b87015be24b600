using System.Formats.Cbor;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Identity.Grains.Mdoc;
using static Identity.Grains.Mdoc.MdocWriter;

namespace Identity.Testing;

/// <summary>
/// An issuing authority and a holder's wallet in one: fresh IACA and Document Signer certificates (CertificateRequest,
/// 18013-5 Annex B profile), an MSO per presentation, and a DeviceResponse for a given SessionTranscript, optionally
/// with one <see cref="WalletDefect"/>.
/// </summary>
public sealed class TestWallet : IDisposable
{
    public const string MdlDocType = "org.iso.18013.5.1.mDL";
    public const string MdlNameSpace = "org.iso.18013.5.1";

    private readonly ECDsa _iacaKey;
    private readonly X509Certificate2 _iaca;
    private readonly ECDsa _documentSignerKey;
    private readonly ECDsa _deviceKey;
    private readonly NSec.Cryptography.Key? _deviceEd25519;
    private readonly CoseAlgorithm _issuerAlgorithm;
    private readonly string _country;

    private readonly Lock _presenting = new();

    /// <param name="now">The issuing time; certificates and the MSO are valid around it.</param>
    /// <param name="issuerCurve">P-256 (ES256, default), P-384 (ES384) or P-521 (ES512) for IACA and Document Signer.</param>
    /// <param name="ed25519DeviceKey">Bind an Ed25519 device key (EdDSA device signature) instead of P-256.</param>
    public TestWallet(DateTimeOffset now, string country = "US", ECCurve? issuerCurve = null, bool ed25519DeviceKey = false)
        : this(now, country, ECDsa.Create(issuerCurve ?? ECCurve.NamedCurves.nistP256), null, ed25519DeviceKey)
    {
    }

    private TestWallet(DateTimeOffset now, string country, ECDsa iacaKey, X509Certificate2? iaca, bool ed25519DeviceKey)
    {
        Now = now;
        _country = country;
        _iacaKey = iacaKey;
        _documentSignerKey = ECDsa.Create(iacaKey.ExportParameters(false).Curve);
        _issuerAlgorithm = _iacaKey.KeySize switch
        {
            256 => CoseAlgorithm.ES256,
            384 => CoseAlgorithm.ES384,
            _ => CoseAlgorithm.ES512,
        };
        _iaca = iaca ?? CreateIaca(_iacaKey, country, now);
        _deviceKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        if (ed25519DeviceKey)
        {
            _deviceEd25519 = NSec.Cryptography.Key.Create(NSec.Cryptography.SignatureAlgorithm.Ed25519);
        }
    }

    /// <summary>
    /// A wallet of the issuing authority that <see cref="SaveIssuer"/> wrote (another process may have written it), with
    /// a fresh document signer and device key.
    /// </summary>
    public static TestWallet LoadIssuer(string certificateFile, string keyFile, DateTimeOffset now, string country = "US")
    {
        var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(keyFile));
        using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(certificateFile));
        return new TestWallet(now, country, key, certificate.CopyWithPrivateKey(key), ed25519DeviceKey: false);
    }

    /// <summary>Writes the IACA certificate (PEM, for a verifier's trust folder) and its private key (PKCS#8 PEM), for <see cref="LoadIssuer"/>.</summary>
    public void SaveIssuer(string certificateFile, string keyFile)
    {
        File.WriteAllText(certificateFile, _iaca.ExportCertificatePem());
        File.WriteAllText(keyFile, _iacaKey.ExportPkcs8PrivateKeyPem());
    }

    public DateTimeOffset Now { get; }

    public X509Certificate2 Iaca => _iaca;

    public IacaTrustList TrustList => IacaTrustList.FromCertificates([X509CertificateLoader.LoadCertificate(_iaca.RawData)], "test wallet");

    /// <summary>The elements issued into every document (the enrolment set plus a portrait and an age flag).</summary>
    public static IReadOnlyList<(string NameSpace, string Identifier, Action<CborWriter> Write)> DefaultElements { get; } =
    [
        (MdlNameSpace, "family_name", w => w.WriteTextString("Sample")),
        (MdlNameSpace, "given_name", w => w.WriteTextString("Alex")),
        (MdlNameSpace, "birth_date", w => { w.WriteTag((CborTag)1004); w.WriteTextString("1990-04-12"); }),
        (MdlNameSpace, "issuing_country", w => w.WriteTextString("US")),
        (MdlNameSpace, "issuing_authority", w => w.WriteTextString("Test Motor Vehicles")),
        (MdlNameSpace, "document_number", w => w.WriteTextString("T1234567")),
        (MdlNameSpace, "expiry_date", w => { w.WriteTag((CborTag)1004); w.WriteTextString("2031-08-31"); }),
        (MdlNameSpace, "age_over_18", w => w.WriteBoolean(true)),
        (MdlNameSpace, "portrait", w => w.WriteByteString([0xFF, 0xD8, 0xFF, 0xD9])),
    ];

    /// <summary>
    /// A DeviceResponse answering a request whose SessionTranscript is <paramref name="transcript"/>, for the licence
    /// <paramref name="documentNumber"/> (the default one when null). Safe to call from several threads.
    /// </summary>
    public byte[] Present(SessionTranscript transcript, WalletDefect defect = WalletDefect.None, string? documentNumber = null)
    {
        switch (defect)
        {
            case WalletDefect.DeepNesting:
                return [.. Enumerable.Repeat((byte)0x81, 100_000), 0x00];
            case WalletDefect.HugeByteStringLength:
                return [0xA1, 0x67, .. "version"u8, 0x5B, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x01];
            case WalletDefect.HugeArrayCount:
                return [0xA1, 0x69, .. "documents"u8, 0x9B, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xA0];
        }
        byte[] response;
        lock (_presenting)
        {
            response = Build(transcript, defect, documentNumber);
        }
        return defect switch
        {
            WalletDefect.Truncated => response[..^7],
            WalletDefect.TrailingBytes => [.. response, 0x00],
            _ => response,
        };
    }

    private byte[] Build(SessionTranscript transcript, WalletDefect defect, string? documentNumber)
    {
        var docType = MdlDocType;
        var items = new List<(string NameSpace, byte[] Bytes)>();
        var digests = new List<(uint Id, byte[] Digest)>();
        uint digestId = 0;
        foreach (var (nameSpace, identifier, element) in DefaultElements)
        {
            var write = documentNumber is not null && identifier == "document_number" ? w => w.WriteTextString(documentNumber) : element;
            var id = digestId++;
            var bytes = IssuerSignedItem(id, identifier, write, duplicate: defect == WalletDefect.DuplicateKeyInIssuerItem && identifier == "family_name");
            digests.Add((id, SHA256.HashData(bytes)));
            if (defect == WalletDefect.DigestTampered && identifier == "family_name")
            {
                bytes = IssuerSignedItem(id, identifier, w => w.WriteTextString("Tampered"), duplicate: false);
            }
            items.Add((nameSpace, bytes));
        }
        if (defect == WalletDefect.ElementNotInMso)
        {
            items.Add((MdlNameSpace, IssuerSignedItem(digestId, "age_over_21", w => w.WriteBoolean(true), duplicate: false)));
        }

        using var documentSigner = CreateDocumentSigner(defect);
        var mso = Mso(defect == WalletDefect.DocTypeMismatch ? "org.example.other" : docType, digests, defect);
        var issuerAlgorithm = defect switch
        {
            WalletDefect.UnsupportedIssuerAlgorithm => -37L,
            WalletDefect.IssuerAlgorithmNotMatchingKey => _issuerAlgorithm == CoseAlgorithm.ES256 ? (long)CoseAlgorithm.ES384 : (long)CoseAlgorithm.ES256,
            _ => (long)_issuerAlgorithm,
        };
        var issuerProtected = ProtectedHeader(issuerAlgorithm);
        var issuerSignature = Sign(_documentSignerKey, issuerProtected, mso);
        if (defect == WalletDefect.IssuerSignatureAltered)
        {
            issuerSignature[5] ^= 0x01;
        }

        var deviceNameSpaces = Tag24(Encode(w => { w.WriteStartMap(0); w.WriteEndMap(); }));
        var deviceAuthentication = Tag24(Encode(w =>
        {
            w.WriteStartArray(4);
            w.WriteTextString("DeviceAuthentication");
            w.WriteEncodedValue(transcript.Encoded.Span);
            w.WriteTextString(docType);
            w.WriteEncodedValue(deviceNameSpaces);
            w.WriteEndArray();
        }));
        long deviceAlgorithm = defect == WalletDefect.UnsupportedDeviceAlgorithm ? -37 : _deviceEd25519 is null ? (long)CoseAlgorithm.ES256 : (long)CoseAlgorithm.EdDSA;
        var deviceProtected = ProtectedHeader(deviceAlgorithm);
        byte[] deviceSignature;
        if (defect == WalletDefect.DeviceSignatureWrongKey)
        {
            using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            deviceSignature = Sign(other, deviceProtected, deviceAuthentication);
        }
        else if (_deviceEd25519 is not null)
        {
            deviceSignature = NSec.Cryptography.SignatureAlgorithm.Ed25519.Sign(_deviceEd25519, SigStructure(deviceProtected, deviceAuthentication));
        }
        else
        {
            deviceSignature = Sign(_deviceKey, deviceProtected, deviceAuthentication);
        }
        if (defect == WalletDefect.DeviceSignatureAltered)
        {
            deviceSignature[3] ^= 0x01;
        }

        var writer = new CborWriter(CborConformanceMode.Lax);
        writer.WriteStartMap(defect == WalletDefect.DuplicateKeyTopLevel ? 4 : 3);
        writer.WriteTextString("version");
        writer.WriteTextString("1.0");
        writer.WriteTextString("documents");
        writer.WriteStartArray(1);
        writer.WriteStartMap(defect == WalletDefect.MissingDocType ? 2 : 3);
        if (defect != WalletDefect.MissingDocType)
        {
            writer.WriteTextString("docType");
            writer.WriteTextString(docType);
        }
        writer.WriteTextString("issuerSigned");
        writer.WriteStartMap(2);
        writer.WriteTextString("nameSpaces");
        var byNameSpace = items.GroupBy(i => i.NameSpace).ToList();
        writer.WriteStartMap(byNameSpace.Count);
        foreach (var group in byNameSpace)
        {
            writer.WriteTextString(group.Key);
            writer.WriteStartArray(group.Count());
            foreach (var item in group)
            {
                writer.WriteEncodedValue(item.Bytes);
            }
            writer.WriteEndArray();
        }
        writer.WriteEndMap();
        writer.WriteTextString("issuerAuth");
        writer.WriteStartArray(4);
        writer.WriteByteString(issuerProtected);
        if (defect == WalletDefect.MissingX5Chain)
        {
            writer.WriteStartMap(0);
        }
        else
        {
            writer.WriteStartMap(1);
            writer.WriteInt32(33);
            writer.WriteByteString(documentSigner.RawData);
        }
        writer.WriteEndMap();
        writer.WriteByteString(mso);
        writer.WriteByteString(issuerSignature);
        writer.WriteEndArray();
        writer.WriteEndMap();
        writer.WriteTextString("deviceSigned");
        writer.WriteStartMap(2);
        writer.WriteTextString("nameSpaces");
        writer.WriteEncodedValue(deviceNameSpaces);
        writer.WriteTextString("deviceAuth");
        writer.WriteStartMap(1);
        writer.WriteTextString("deviceSignature");
        writer.WriteStartArray(4);
        writer.WriteByteString(deviceProtected);
        writer.WriteStartMap(0);
        writer.WriteEndMap();
        writer.WriteNull();
        writer.WriteByteString(deviceSignature);
        writer.WriteEndArray();
        writer.WriteEndMap();
        writer.WriteEndMap();
        writer.WriteEndMap();
        writer.WriteEndArray();
        writer.WriteTextString("status");
        writer.WriteInt32(0);
        if (defect == WalletDefect.DuplicateKeyTopLevel)
        {
            writer.WriteTextString("status");
            writer.WriteInt32(0);
        }
        writer.WriteEndMap();
        return writer.Encode();
    }

    /// <summary>As <see cref="MdocWriter.IssuerSignedItem"/>, or with <c>elementValue</c> twice (a defect the verifier must refuse).</summary>
    private static byte[] IssuerSignedItem(uint digestId, string identifier, Action<CborWriter> value, bool duplicate) => !duplicate
        ? MdocWriter.IssuerSignedItem(digestId, identifier, value)
        : Tag24(Encode(w =>
        {
            w.WriteStartMap(5);
            w.WriteTextString("digestID");
            w.WriteUInt32(digestId);
            w.WriteTextString("random");
            w.WriteByteString(RandomNumberGenerator.GetBytes(16));
            w.WriteTextString("elementIdentifier");
            w.WriteTextString(identifier);
            w.WriteTextString("elementValue");
            value(w);
            w.WriteTextString("elementValue");
            w.WriteTextString("Other");
            w.WriteEndMap();
        }));

    private byte[] Mso(string docType, List<(uint Id, byte[] Digest)> digests, WalletDefect defect)
    {
        var signed = Now.AddDays(-1);
        var validFrom = defect == WalletDefect.MsoNotYetValid ? Now.AddDays(1) : Now.AddDays(-1);
        var validUntil = defect == WalletDefect.MsoExpired ? Now.AddHours(-1) : Now.AddDays(30);
        return MobileSecurityObject(MdlNameSpace, docType, digests, WriteDeviceKey, signed, validFrom, validUntil);
    }

    private void WriteDeviceKey(CborWriter w)
    {
        if (_deviceEd25519 is not null)
        {
            w.WriteStartMap(3);
            w.WriteInt32(1);
            w.WriteInt32(1);
            w.WriteInt32(-1);
            w.WriteInt32(6);
            w.WriteInt32(-2);
            w.WriteByteString(_deviceEd25519.PublicKey.Export(NSec.Cryptography.KeyBlobFormat.RawPublicKey));
            w.WriteEndMap();
            return;
        }
        WriteP256Key(w, _deviceKey.ExportParameters(false).Q);
    }

    private X509Certificate2 CreateDocumentSigner(WalletDefect defect)
    {
        var country = defect == WalletDefect.DocumentSignerCountryMismatch ? (_country == "CA" ? "US" : "CA") : _country;
        var request = new CertificateRequest($"CN=Test Document Signer, C={country}", _documentSignerKey, HashAlgorithm(_documentSignerKey));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            defect == WalletDefect.DocumentSignerWithoutDigitalSignature ? X509KeyUsageFlags.NonRepudiation : X509KeyUsageFlags.DigitalSignature, critical: true));
        if (defect != WalletDefect.DocumentSignerWithoutEku)
        {
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(MdocVerifier.DocumentSignerEku)], critical: true));
        }
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var (notBefore, notAfter) = defect switch
        {
            WalletDefect.ExpiredDocumentSigner => (Now.AddDays(-20), Now.AddDays(-1)),
            WalletDefect.NotYetValidDocumentSigner => (Now.AddDays(1), Now.AddDays(60)),
            _ => (Now.AddDays(-10), Now.AddDays(90)),
        };
        var serial = RandomNumberGenerator.GetBytes(8);
        serial[0] &= 0x7F;
        if (defect == WalletDefect.UntrustedIssuer)
        {
            // A rogue IACA with the very same subject name: only the signature can tell them apart.
            using var rogueKey = ECDsa.Create(_iacaKey.ExportParameters(false).Curve);
            using var rogue = CreateIaca(rogueKey, _country, Now);
            return request.Create(rogue, notBefore, notAfter, serial);
        }
        return request.Create(_iaca, notBefore, notAfter, serial);
    }

    private static X509Certificate2 CreateIaca(ECDsa key, string country, DateTimeOffset now)
    {
        var request = new CertificateRequest($"CN=Test IACA, C={country}", key, HashAlgorithm(key));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        return request.CreateSelfSigned(now.AddDays(-30), now.AddDays(365));
    }

    private static HashAlgorithmName HashAlgorithm(ECDsa key) => key.KeySize switch
    {
        256 => HashAlgorithmName.SHA256,
        384 => HashAlgorithmName.SHA384,
        _ => HashAlgorithmName.SHA512,
    };


    private static byte[] Sign(ECDsa key, byte[] protectedHeader, byte[] payload) =>
        key.SignData(SigStructure(protectedHeader, payload), HashAlgorithm(key));




    public void Dispose()
    {
        _iacaKey.Dispose();
        _iaca.Dispose();
        _documentSignerKey.Dispose();
        _deviceKey.Dispose();
        _deviceEd25519?.Dispose();
    }
}
