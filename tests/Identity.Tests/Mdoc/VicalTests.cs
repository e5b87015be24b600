using System.Formats.Cbor;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Identity.Grains.Mdoc;

namespace Identity.Tests.Mdoc;

/// <summary>AAMVA / ISO 18013-5 Annex C VICAL import: signed by a test VICAL signer, carrying the test wallet's IACA.</summary>
public sealed class VicalTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 9, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly TestWallet _wallet = new(Now);
    private readonly ECDsa _signerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly X509Certificate2 _signer;

    public VicalTests()
    {
        var request = new CertificateRequest("CN=Test VICAL Signer, O=Test VICAL Provider, C=US", _signerKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        _signer = request.CreateSelfSigned(Now.AddDays(-30), Now.AddDays(365));
    }

    [Fact]
    public void Signed_vical_yields_its_iacas_and_a_presentation_from_them_verifies()
    {
        var vical = Vical.Import(BuildVical(_signerKey, _signer), Signer(), Now);

        Assert.Equal("Test VICAL Provider", vical.Provider);
        Assert.Equal(7UL, vical.IssueId);
        var entry = Assert.Single(vical.Entries);
        Assert.Equal(_wallet.Iaca.RawData, entry.Certificate.RawData);
        Assert.Equal("US", entry.IssuingCountry);
        var transcript = SessionTranscript.ForOpenId4VpDcApi("https://verifier.example", "nonce", null);
        var result = new MdocVerifier(vical.ToTrustList()).Verify(_wallet.Present(transcript), new MdocVerificationContext(transcript, Now));
        Assert.True(result.IsValid, result.ToString());
        Assert.StartsWith("VICAL Test VICAL Provider", result.Document.Issuer.IacaSource, StringComparison.Ordinal);
    }

    [Fact]
    public void Vical_signed_by_another_key_is_refused()
    {
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        Assert.Throws<VicalException>(() => Vical.Import(BuildVical(otherKey, _signer), Signer(), Now));
    }

    [Fact]
    public void Vical_with_an_altered_payload_is_refused()
    {
        var bytes = BuildVical(_signerKey, _signer);
        var at = bytes.AsSpan().IndexOf("Test VICAL Provider"u8);
        bytes[at] = (byte)'X';

        Assert.Throws<VicalException>(() => Vical.Import(bytes, Signer(), Now));
    }

    [Fact]
    public void Vical_signed_by_a_certificate_issued_by_the_configured_ca_is_accepted()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Test VICAL CA, C=US", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, critical: true));
        using var ca = caRequest.CreateSelfSigned(Now.AddDays(-30), Now.AddDays(365));
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var leaf = new CertificateRequest("CN=Test VICAL Signer, C=US", leafKey, HashAlgorithmName.SHA256).Create(ca, Now.AddDays(-1), Now.AddDays(30), [1, 2, 3]);

        var vical = Vical.Import(BuildVical(leafKey, leaf), X509CertificateLoader.LoadCertificate(ca.RawData), Now);

        Assert.Single(vical.Entries);
    }

    [Fact]
    public void Vical_that_is_not_cbor_is_refused()
    {
        Assert.Throws<VicalException>(() => Vical.Import(new byte[] { 0x84, 0x40 }, Signer(), Now));
    }

    private X509Certificate2 Signer() => X509CertificateLoader.LoadCertificate(_signer.RawData);

    /// <summary>A VICAL as ISO/IEC 18013-5 Annex C describes it: COSE_Sign1 (ES256, x5chain) over the CBOR VICAL map.</summary>
    private byte[] BuildVical(ECDsa key, X509Certificate2 signerCertificate)
    {
        var payload = new CborWriter();
        payload.WriteStartMap(6);
        payload.WriteTextString("version");
        payload.WriteTextString("1.0");
        payload.WriteTextString("vicalProvider");
        payload.WriteTextString("Test VICAL Provider");
        payload.WriteTextString("date");
        payload.WriteDateTimeOffset(Now.AddDays(-1));
        payload.WriteTextString("vicalIssueID");
        payload.WriteUInt32(7);
        payload.WriteTextString("nextUpdate");
        payload.WriteDateTimeOffset(Now.AddDays(30));
        payload.WriteTextString("certificateInfos");
        payload.WriteStartArray(1);
        payload.WriteStartMap(6);
        payload.WriteTextString("certificate");
        payload.WriteByteString(_wallet.Iaca.RawData);
        payload.WriteTextString("serialNumber");
        payload.WriteTag(CborTag.UnsignedBigNum);
        payload.WriteByteString(_wallet.Iaca.GetSerialNumber().Reverse().ToArray());
        payload.WriteTextString("ski");
        payload.WriteByteString(Convert.FromHexString(_wallet.Iaca.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Single().SubjectKeyIdentifier!));
        payload.WriteTextString("docType");
        payload.WriteStartArray(1);
        payload.WriteTextString(TestWallet.MdlDocType);
        payload.WriteEndArray();
        payload.WriteTextString("issuingCountry");
        payload.WriteTextString("US");
        payload.WriteTextString("issuingAuthority");
        payload.WriteTextString("Test Motor Vehicles");
        payload.WriteEndMap();
        payload.WriteEndArray();
        payload.WriteEndMap();
        var content = payload.Encode();

        var header = new CborWriter();
        header.WriteStartMap(1);
        header.WriteInt32(1);
        header.WriteInt32(-7);
        header.WriteEndMap();
        var protectedHeader = header.Encode();

        var toBeSigned = new CborWriter();
        toBeSigned.WriteStartArray(4);
        toBeSigned.WriteTextString("Signature1");
        toBeSigned.WriteByteString(protectedHeader);
        toBeSigned.WriteByteString([]);
        toBeSigned.WriteByteString(content);
        toBeSigned.WriteEndArray();
        var signature = key.SignData(toBeSigned.Encode(), HashAlgorithmName.SHA256);

        var vical = new CborWriter();
        vical.WriteStartArray(4);
        vical.WriteByteString(protectedHeader);
        vical.WriteStartMap(1);
        vical.WriteInt32(33);
        vical.WriteByteString(signerCertificate.RawData);
        vical.WriteEndMap();
        vical.WriteByteString(content);
        vical.WriteByteString(signature);
        vical.WriteEndArray();
        return vical.Encode();
    }

    public void Dispose()
    {
        _wallet.Dispose();
        _signerKey.Dispose();
        _signer.Dispose();
    }
}
