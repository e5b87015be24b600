using System.Security.Cryptography.X509Certificates;

namespace Identity.Grains.Mdoc;

/// <summary>
/// The IACA certificates Document Signers must chain to: loaded from a folder of PEM/DER files and/or imported from
/// an AAMVA VICAL. Immutable once built; safe to share between threads.
/// </summary>
public sealed class IacaTrustList
{
    private readonly Dictionary<string, IacaTrustAnchor[]> _bySubject;

    public IacaTrustList(IEnumerable<IacaTrustAnchor> anchors)
    {
        Anchors = [.. anchors.DistinctBy(a => a.Id)];
        _bySubject = Anchors.GroupBy(a => Convert.ToBase64String(a.Certificate.SubjectName.RawData))
            .ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
    }

    public IReadOnlyList<IacaTrustAnchor> Anchors { get; }

    public static IacaTrustList Empty { get; } = new([]);

    public static IacaTrustList FromCertificates(IEnumerable<X509Certificate2> certificates, string source = "configured") =>
        new(certificates.Select(c => new IacaTrustAnchor(c, source)));

    /// <summary>Every <c>*.pem</c>, <c>*.crt</c>, <c>*.cer</c> and <c>*.der</c> file in <paramref name="folder"/> (not recursive).</summary>
    public static IacaTrustList FromFolder(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"The IACA trust folder '{folder}' does not exist.");
        }
        var anchors = new List<IacaTrustAnchor>();
        foreach (var file in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal))
        {
            var extension = Path.GetExtension(file).ToLowerInvariant();
            if (extension is not (".pem" or ".crt" or ".cer" or ".der"))
            {
                continue;
            }
            var bytes = File.ReadAllBytes(file);
            if (bytes.AsSpan().IndexOf("-----BEGIN"u8) >= 0)
            {
                var collection = new X509Certificate2Collection();
                collection.ImportFromPem(System.Text.Encoding.ASCII.GetString(bytes));
                anchors.AddRange(collection.Select(c => new IacaTrustAnchor(c, file)));
            }
            else
            {
                anchors.Add(new IacaTrustAnchor(X509CertificateLoader.LoadCertificate(bytes), file));
            }
        }
        return new IacaTrustList(anchors);
    }

    public IacaTrustList With(IacaTrustList other) => new(Anchors.Concat(other.Anchors));

    /// <summary>Anchors whose subject name DER (base64) equals <paramref name="issuerNameBase64"/>; the caller still proves the link by signature.</summary>
    internal ReadOnlySpan<IacaTrustAnchor> WithSubject(string issuerNameBase64) =>
        _bySubject.TryGetValue(issuerNameBase64, out var anchors) ? anchors : [];
}
