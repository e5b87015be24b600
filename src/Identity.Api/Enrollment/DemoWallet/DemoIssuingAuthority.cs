using System.Formats.Cbor;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Identity.Grains.Mdoc;
using static Identity.Grains.Mdoc.MdocWriter;

namespace Identity.Api.Enrollment.DemoWallet;

/// <summary>
/// Development only: a made-up issuing authority (IACA and Document Signer, ISO 18013-5 Annex B profile, country US)
/// that issues an mDL with a fresh MSO and device key for every presentation. Its keys are generated once and kept in
/// the data folder, so its IACA stays the one the (Development) trust list holds across restarts.
/// </summary>
public sealed class DemoIssuingAuthority : IDisposable
{
    public const string FolderName = "demo-issuer";
    public const string Country = "US";
    public const string AuthorityName = "Demo Motor Vehicles (not a real issuer)";

    private readonly ECDsa _iacaKey;
    private readonly ECDsa _signerKey;
    private readonly X509Certificate2 _signer;
    private readonly TimeProvider _time;

    private DemoIssuingAuthority(X509Certificate2 iaca, ECDsa iacaKey, X509Certificate2 signer, ECDsa signerKey, TimeProvider time)
    {
        Iaca = iaca;
        _iacaKey = iacaKey;
        _signer = signer;
        _signerKey = signerKey;
        _time = time;
    }

    /// <summary>The demo IACA certificate (public part), for the Development trust list.</summary>
    public X509Certificate2 Iaca { get; }

    /// <summary>Loads the demo authority from <paramref name="dataFolder"/>, creating (or renewing expired) keys and certificates.</summary>
    public static DemoIssuingAuthority LoadOrCreate(string dataFolder, TimeProvider time)
    {
        var folder = Directory.CreateDirectory(Path.Combine(dataFolder, FolderName)).FullName;
        var now = time.GetUtcNow();
        var (iaca, iacaKey, renewed) = LoadOrCreate(Path.Combine(folder, "iaca"), now, (key, at) => CreateIaca(key, at), renew: false);
        var (signer, signerKey, _) = LoadOrCreate(Path.Combine(folder, "document-signer"), now,
            (key, at) => CreateDocumentSigner(key, iaca, iacaKey, at), renew: renewed);
        return new DemoIssuingAuthority(iaca, iacaKey, signer, signerKey, time);
    }

    /// <summary>A DeviceResponse disclosing exactly <paramref name="elements"/> (of the issued set) for <paramref name="transcript"/>.</summary>
    public byte[] Present(SessionTranscript transcript, DemoHolder holder, IReadOnlyCollection<string> elements)
    {
        var now = _time.GetUtcNow();
        using var deviceKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var items = new List<byte[]>();
        var digests = new List<(uint Id, byte[] Digest)>();
        uint digestId = 0;
        foreach (var (identifier, write) in Elements(holder, now))
        {
            var bytes = IssuerSignedItem(digestId, identifier, write);
            digests.Add((digestId++, SHA256.HashData(bytes)));
            if (elements.Contains(identifier))
            {
                items.Add(bytes);
            }
        }
        var mso = Mso(digests, deviceKey, now);
        var issuerProtected = ProtectedHeader(-7);
        var issuerSignature = _signerKey.SignData(SigStructure(issuerProtected, mso), HashAlgorithmName.SHA256);
        var deviceNameSpaces = Tag24(Encode(w => { w.WriteStartMap(0); w.WriteEndMap(); }));
        var deviceAuthentication = Tag24(Encode(w =>
        {
            w.WriteStartArray(4);
            w.WriteTextString("DeviceAuthentication");
            w.WriteEncodedValue(transcript.Encoded.Span);
            w.WriteTextString(MdlQuery.DocType);
            w.WriteEncodedValue(deviceNameSpaces);
            w.WriteEndArray();
        }));
        var deviceProtected = ProtectedHeader(-7);
        var deviceSignature = deviceKey.SignData(SigStructure(deviceProtected, deviceAuthentication), HashAlgorithmName.SHA256);

        return Encode(w =>
        {
            w.WriteStartMap(3);
            w.WriteTextString("version");
            w.WriteTextString("1.0");
            w.WriteTextString("documents");
            w.WriteStartArray(1);
            w.WriteStartMap(3);
            w.WriteTextString("docType");
            w.WriteTextString(MdlQuery.DocType);
            w.WriteTextString("issuerSigned");
            w.WriteStartMap(2);
            w.WriteTextString("nameSpaces");
            w.WriteStartMap(1);
            w.WriteTextString(MdlQuery.NameSpace);
            w.WriteStartArray(items.Count);
            foreach (var item in items)
            {
                w.WriteEncodedValue(item);
            }
            w.WriteEndArray();
            w.WriteEndMap();
            w.WriteTextString("issuerAuth");
            w.WriteStartArray(4);
            w.WriteByteString(issuerProtected);
            w.WriteStartMap(1);
            w.WriteInt32(33);
            w.WriteByteString(_signer.RawData);
            w.WriteEndMap();
            w.WriteByteString(mso);
            w.WriteByteString(issuerSignature);
            w.WriteEndArray();
            w.WriteEndMap();
            w.WriteTextString("deviceSigned");
            w.WriteStartMap(2);
            w.WriteTextString("nameSpaces");
            w.WriteEncodedValue(deviceNameSpaces);
            w.WriteTextString("deviceAuth");
            w.WriteStartMap(1);
            w.WriteTextString("deviceSignature");
            w.WriteStartArray(4);
            w.WriteByteString(deviceProtected);
            w.WriteStartMap(0);
            w.WriteEndMap();
            w.WriteNull();
            w.WriteByteString(deviceSignature);
            w.WriteEndArray();
            w.WriteEndMap();
            w.WriteEndMap();
            w.WriteEndMap();
            w.WriteEndArray();
            w.WriteTextString("status");
            w.WriteInt32(0);
            w.WriteEndMap();
        });
    }

    private static IEnumerable<(string Identifier, Action<CborWriter> Write)> Elements(DemoHolder holder, DateTimeOffset now)
    {
        yield return ("family_name", w => w.WriteTextString(holder.FamilyName));
        yield return ("given_name", w => w.WriteTextString(holder.GivenName));
        yield return ("birth_date", w => FullDate(w, holder.BirthDate));
        yield return ("issuing_country", w => w.WriteTextString(Country));
        yield return ("issuing_authority", w => w.WriteTextString(AuthorityName));
        yield return ("document_number", w => w.WriteTextString(holder.DocumentNumber));
        yield return ("issue_date", w => FullDate(w, DateOnly.FromDateTime(now.UtcDateTime.AddYears(-1))));
        yield return ("expiry_date", w => FullDate(w, DateOnly.FromDateTime(now.UtcDateTime.AddYears(4))));
        yield return ("age_over_18", w => w.WriteBoolean(holder.BirthDate.AddYears(18) <= DateOnly.FromDateTime(now.UtcDateTime)));
        yield return ("portrait", w => w.WriteByteString([0xFF, 0xD8, 0xFF, 0xD9]));
    }

    private static void FullDate(CborWriter writer, DateOnly date)
    {
        writer.WriteTag((CborTag)1004);
        writer.WriteTextString(date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
    }

    private static byte[] Mso(List<(uint Id, byte[] Digest)> digests, ECDsa deviceKey, DateTimeOffset now)
    {
        var q = deviceKey.ExportParameters(false).Q;
        var signed = TruncateToSeconds(now.AddMinutes(-5));
        return MobileSecurityObject(MdlQuery.NameSpace, MdlQuery.DocType, digests, w => WriteP256Key(w, q), signed, signed, signed.AddDays(30));
    }

    private static DateTimeOffset TruncateToSeconds(DateTimeOffset value) =>
        new(value.Ticks - value.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);

    // A renewed IACA renews its Document Signer too: the old one was signed by the old key.
    private static (X509Certificate2 Certificate, ECDsa Key, bool Created) LoadOrCreate(string basePath, DateTimeOffset now,
        Func<ECDsa, DateTimeOffset, X509Certificate2> create, bool renew)
    {
        var certificatePath = basePath + ".pem";
        var keyPath = basePath + "-key.pem";
        if (!renew && File.Exists(certificatePath) && File.Exists(keyPath))
        {
            var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(certificatePath));
            var key = ECDsa.Create();
            key.ImportFromPem(File.ReadAllText(keyPath));
            var stillValid = certificate.NotBefore.ToUniversalTime() <= now.UtcDateTime && now.UtcDateTime.AddDays(1) < certificate.NotAfter.ToUniversalTime();
            if (stillValid)
            {
                return (certificate, key, false);
            }
            key.Dispose();
            certificate.Dispose();
        }
        var fresh = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var created = create(fresh, now);
        File.WriteAllText(certificatePath, created.ExportCertificatePem());
        File.WriteAllText(keyPath, fresh.ExportPkcs8PrivateKeyPem());
        return (X509CertificateLoader.LoadCertificate(created.RawData), fresh, true);
    }

    private static X509Certificate2 CreateIaca(ECDsa key, DateTimeOffset now)
    {
        var request = new CertificateRequest($"CN=IdentityConsent Demo IACA (Development only), O=IdentityConsent demo, C={Country}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        return request.CreateSelfSigned(now.AddDays(-1), now.AddYears(5));
    }

    private static X509Certificate2 CreateDocumentSigner(ECDsa key, X509Certificate2 iaca, ECDsa iacaKey, DateTimeOffset now)
    {
        var request = new CertificateRequest($"CN=IdentityConsent Demo Document Signer, C={Country}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(MdocVerifier.DocumentSignerEku)], critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var serial = RandomNumberGenerator.GetBytes(8);
        serial[0] &= 0x7F;
        var notAfter = now.AddYears(1) < iaca.NotAfter ? now.AddYears(1) : new DateTimeOffset(iaca.NotAfter.ToUniversalTime());
        using var withKey = iaca.CopyWithPrivateKey(iacaKey);
        return request.Create(withKey, now.AddDays(-1), notAfter, serial);
    }



    public void Dispose()
    {
        Iaca.Dispose();
        _iacaKey.Dispose();
        _signer.Dispose();
        _signerKey.Dispose();
    }
}
