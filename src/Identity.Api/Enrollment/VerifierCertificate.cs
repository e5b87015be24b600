using System.Buffers.Text;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;

namespace Identity.Api.Enrollment;

/// <summary>
/// The verifier's X.509 identity for signed OpenID4VP requests (<c>openid4vp-v1-signed</c>): a P-256 key and its
/// certificate chain (leaf first), sent as <c>x5c</c> in the JWS header. The client id is <c>x509_san_dns:&lt;host&gt;</c>
/// when the leaf certificate names the page's host as a dNSName SAN (OpenID4VP 1.0 §5.9.3), and
/// <c>x509_hash:&lt;base64url SHA-256 of the leaf DER&gt;</c> otherwise, which needs no DNS name and so fits a self-issued
/// certificate. From configuration (<c>Enrollment:VerifierCertificate</c> + <c>Enrollment:VerifierKey</c>), or in
/// Development only a self-signed certificate generated once into the data folder.
/// </summary>
public sealed class VerifierCertificate : IDisposable
{
    public const string CertificateFileName = "enrollment-verifier.pem";
    public const string KeyFileName = "enrollment-verifier.key";

    private readonly ECDsa _key;
    private readonly JsonArray _x5c;

    public VerifierCertificate(IReadOnlyList<X509Certificate2> chain, ECDsa key)
    {
        if (chain.Count == 0)
        {
            throw new InvalidOperationException("Enrollment:VerifierCertificate holds no certificate.");
        }
        using var leafKey = chain[0].GetECDsaPublicKey()
            ?? throw new InvalidOperationException("Enrollment:VerifierCertificate: the leaf certificate must have an EC (P-256) key.");
        var leafParameters = leafKey.ExportParameters(false);
        var keyParameters = key.ExportParameters(false);
        if (key.KeySize != 256 || !leafParameters.Q.X!.AsSpan().SequenceEqual(keyParameters.Q.X) || !leafParameters.Q.Y!.AsSpan().SequenceEqual(keyParameters.Q.Y))
        {
            throw new InvalidOperationException("Enrollment:VerifierKey must be the P-256 private key of the first certificate of Enrollment:VerifierCertificate.");
        }
        Chain = chain;
        _key = key;
        _x5c = [.. chain.Select(c => (JsonNode)Convert.ToBase64String(c.RawData))];
        Hash = Base64Url.EncodeToString(SHA256.HashData(chain[0].RawData));
    }

    public IReadOnlyList<X509Certificate2> Chain { get; }

    public X509Certificate2 Leaf => Chain[0];

    /// <summary>base64url SHA-256 of the leaf certificate's DER (the <c>x509_hash</c> value).</summary>
    public string Hash { get; }

    /// <summary>The client id for a request made from <paramref name="origin"/>.</summary>
    public string ClientId(string origin)
    {
        var host = Uri.TryCreate(origin, UriKind.Absolute, out var uri) ? uri.IdnHost : null;
        return host is not null && DnsNames(Leaf).Contains(host, StringComparer.OrdinalIgnoreCase)
            ? "x509_san_dns:" + host
            : "x509_hash:" + Hash;
    }

    /// <summary>A compact JWS (ES256) over <paramref name="claims"/> with <c>x5c</c>.</summary>
    public string Sign(JsonObject claims, string type)
    {
        var header = new JsonObject { ["alg"] = "ES256", ["typ"] = type, ["x5c"] = _x5c.DeepClone() };
        var input = Encode(header) + "." + Encode(claims);
        var signature = _key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return input + "." + Base64Url.EncodeToString(signature);
    }

    public static IEnumerable<string> DnsNames(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateDnsNames());

    /// <summary>
    /// The configured verifier identity; in Development without configuration one generated once into
    /// <paramref name="dataFolder"/> (DNS names: localhost and <paramref name="hosts"/>); null elsewhere, so only unsigned
    /// requests are offered.
    /// </summary>
    public static VerifierCertificate? Load(EnrollmentSettings settings, IHostEnvironment environment, string dataFolder, IEnumerable<string> hosts)
    {
        var configuredCertificate = !string.IsNullOrWhiteSpace(settings.VerifierCertificate);
        if (configuredCertificate != !string.IsNullOrWhiteSpace(settings.VerifierKey))
        {
            throw new InvalidOperationException("Enrollment:VerifierCertificate and Enrollment:VerifierKey go together (PEM text or PEM file paths).");
        }
        if (configuredCertificate)
        {
            return FromPem(Pem(settings.VerifierCertificate!, environment.ContentRootPath), Pem(settings.VerifierKey!, environment.ContentRootPath));
        }
        if (!environment.IsDevelopment())
        {
            return null;
        }
        var certificatePath = Path.Combine(dataFolder, CertificateFileName);
        var keyPath = Path.Combine(dataFolder, KeyFileName);
        if (!File.Exists(certificatePath) || !File.Exists(keyPath))
        {
            Directory.CreateDirectory(dataFolder);
            var (certificatePem, keyPem) = CreateDevelopment(["localhost", .. hosts]);
            File.WriteAllText(keyPath, keyPem);
            File.WriteAllText(certificatePath, certificatePem);
        }
        return FromPem(File.ReadAllText(certificatePath), File.ReadAllText(keyPath));
    }

    public static VerifierCertificate FromPem(string certificatesPem, string keyPem)
    {
        var chain = new X509Certificate2Collection();
        chain.ImportFromPem(certificatesPem);
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(keyPem);
        }
        catch (ArgumentException e)
        {
            key.Dispose();
            throw new InvalidOperationException("Enrollment:VerifierKey is not a PEM EC private key.", e);
        }
        return new VerifierCertificate([.. chain], key);
    }

    /// <summary>A self-signed P-256 verifier certificate (5 years) naming <paramref name="dnsNames"/>: PEM certificate and PKCS#8 key.</summary>
    public static (string CertificatePem, string KeyPem) CreateDevelopment(IEnumerable<string> dnsNames)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=IdentityConsent enrolment verifier (Development)", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in dnsNames.Where(n => n.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            san.AddDnsName(name);
        }
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(5));
        return (certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    public void Dispose()
    {
        _key.Dispose();
        foreach (var certificate in Chain)
        {
            certificate.Dispose();
        }
    }

    private static string Pem(string value, string contentRoot) =>
        value.Contains("-----BEGIN", StringComparison.Ordinal) ? value : File.ReadAllText(Path.GetFullPath(value, contentRoot));

    private static string Encode(JsonObject json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json.ToJsonString()));
}
