using System.Security.Cryptography;
using Identity.Grains.Mdoc;

namespace Identity.Tests.Mdoc;

/// <summary>Fresh presentations from <see cref="TestWallet"/>: the happy path, and one broken variant per error category.</summary>
public sealed class MdocWalletTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 9, 1, 12, 0, 0, TimeSpan.Zero);
    private const string ClientId = "x509_san_dns:verifier.example";
    private const string ResponseUri = "https://verifier.example/oid4vp/response";
    private const string Origin = "https://verifier.example";

    private readonly TestWallet _wallet = new(Now);
    private readonly string _nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));

    private SessionTranscript Redirect => SessionTranscript.ForOpenId4Vp(ClientId, _nonce, null, ResponseUri);

    private MdocVerificationResult Verify(byte[] response, SessionTranscript? transcript = null, DateTimeOffset? at = null, IacaTrustList? trust = null) =>
        new MdocVerifier(trust ?? _wallet.TrustList).Verify(response, new MdocVerificationContext(transcript ?? Redirect, at ?? Now));

    [Fact]
    public void Fresh_presentation_for_the_request_is_valid_and_discloses_the_issued_elements()
    {
        var result = Verify(_wallet.Present(Redirect));

        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(TestWallet.MdlDocType, result.Document.DocType);
        Assert.Equal(new MdocValue.Text("Sample"), result.Document.Find(TestWallet.MdlNameSpace, "family_name"));
        Assert.Equal(new MdocValue.FullDate(new DateOnly(1990, 4, 12)), result.Document.Find(TestWallet.MdlNameSpace, "birth_date"));
        Assert.Equal(new MdocValue.Boolean(true), result.Document.Find(TestWallet.MdlNameSpace, "age_over_18"));
        Assert.Equal(new MdocValue.Bytes(new byte[] { 0xFF, 0xD8, 0xFF, 0xD9 }), result.Document.Find(TestWallet.MdlNameSpace, "portrait"));
        Assert.Equal(_wallet.TrustList.Anchors[0].Id, result.Document.Issuer.IacaId);
        Assert.Equal("US", result.Document.Issuer.Country);
        Assert.Equal(MdocDeviceAuthentication.Signature, result.Document.DeviceAuthentication);
    }

    [Fact]
    public void Digital_credentials_api_presentation_is_valid_for_its_origin()
    {
        var transcript = SessionTranscript.ForOpenId4VpDcApi(Origin, _nonce, RandomNumberGenerator.GetBytes(32));

        Assert.True(Verify(_wallet.Present(transcript), transcript).IsValid);
    }

    [Fact]
    public void Iso_annex_c_presentation_is_valid_for_its_encryption_info_and_origin()
    {
        var transcript = SessionTranscript.ForIsoDcApi("gmVkY2FwaaJlbm9uY2VA", Origin);

        Assert.True(Verify(_wallet.Present(transcript), transcript).IsValid);
    }

    [Theory]
    [InlineData("P-384")]
    [InlineData("P-521")]
    public void Issuer_on_a_larger_curve_is_accepted(string curve)
    {
        using var wallet = new TestWallet(Now, "NL", ECCurve.CreateFromFriendlyName(curve == "P-384" ? "nistP384" : "nistP521"));

        var result = new MdocVerifier(wallet.TrustList).Verify(wallet.Present(Redirect), new MdocVerificationContext(Redirect, Now));

        Assert.True(result.IsValid, result.ToString());
        Assert.Equal("NL", result.Document.Issuer.Country);
    }

    [Fact]
    public void EdDSA_device_signature_is_accepted()
    {
        using var wallet = new TestWallet(Now, ed25519DeviceKey: true);

        var result = new MdocVerifier(wallet.TrustList).Verify(wallet.Present(Redirect), new MdocVerificationContext(Redirect, Now));

        Assert.True(result.IsValid, result.ToString());
    }

    [Theory]
    [InlineData(WalletDefect.Truncated, MdocError.CborMalformed)]
    [InlineData(WalletDefect.TrailingBytes, MdocError.CborMalformed)]
    [InlineData(WalletDefect.HugeByteStringLength, MdocError.CborMalformed)]
    [InlineData(WalletDefect.HugeArrayCount, MdocError.CborMalformed)]
    [InlineData(WalletDefect.DeepNesting, MdocError.CborMalformed)]
    [InlineData(WalletDefect.DuplicateKeyTopLevel, MdocError.CborMalformed)]
    [InlineData(WalletDefect.DuplicateKeyInIssuerItem, MdocError.CborMalformed)]
    [InlineData(WalletDefect.MissingDocType, MdocError.StructureInvalid)]
    [InlineData(WalletDefect.MissingX5Chain, MdocError.StructureInvalid)]
    [InlineData(WalletDefect.UnsupportedIssuerAlgorithm, MdocError.UnsupportedAlgorithm)]
    [InlineData(WalletDefect.IssuerAlgorithmNotMatchingKey, MdocError.UnsupportedAlgorithm)]
    [InlineData(WalletDefect.UnsupportedDeviceAlgorithm, MdocError.UnsupportedAlgorithm)]
    [InlineData(WalletDefect.UntrustedIssuer, MdocError.UntrustedIssuer)]
    [InlineData(WalletDefect.ExpiredDocumentSigner, MdocError.CertificateExpired)]
    [InlineData(WalletDefect.NotYetValidDocumentSigner, MdocError.CertificateExpired)]
    [InlineData(WalletDefect.DocumentSignerWithoutEku, MdocError.CertificateProfile)]
    [InlineData(WalletDefect.DocumentSignerWithoutDigitalSignature, MdocError.CertificateProfile)]
    [InlineData(WalletDefect.DocumentSignerCountryMismatch, MdocError.CertificateProfile)]
    [InlineData(WalletDefect.IssuerSignatureAltered, MdocError.IssuerSignatureInvalid)]
    [InlineData(WalletDefect.DocTypeMismatch, MdocError.DoctypeMismatch)]
    [InlineData(WalletDefect.MsoExpired, MdocError.MsoExpired)]
    [InlineData(WalletDefect.MsoNotYetValid, MdocError.MsoNotYetValid)]
    [InlineData(WalletDefect.DigestTampered, MdocError.DigestMismatch)]
    [InlineData(WalletDefect.ElementNotInMso, MdocError.DigestMismatch)]
    [InlineData(WalletDefect.DeviceSignatureWrongKey, MdocError.DeviceSignatureInvalid)]
    [InlineData(WalletDefect.DeviceSignatureAltered, MdocError.DeviceSignatureInvalid)]
    public void Broken_presentation_is_refused_with_its_category(WalletDefect defect, MdocError expected)
    {
        var result = Verify(_wallet.Present(Redirect, defect));

        Assert.False(result.IsValid);
        Assert.Equal(expected, result.Error);
        Assert.False(string.IsNullOrWhiteSpace(result.Detail));
    }

    [Fact]
    public void Presentation_for_another_nonce_is_refused()
    {
        var response = _wallet.Present(SessionTranscript.ForOpenId4Vp(ClientId, "another-nonce", null, ResponseUri));

        AssertDeviceAuthenticationFails(Verify(response));
    }

    [Fact]
    public void Presentation_for_another_client_id_is_refused()
    {
        var response = _wallet.Present(SessionTranscript.ForOpenId4Vp("x509_san_dns:attacker.example", _nonce, null, ResponseUri));

        AssertDeviceAuthenticationFails(Verify(response));
    }

    [Fact]
    public void Presentation_for_another_origin_is_refused()
    {
        var response = _wallet.Present(SessionTranscript.ForOpenId4VpDcApi("https://attacker.example", _nonce, null));

        AssertDeviceAuthenticationFails(Verify(response, SessionTranscript.ForOpenId4VpDcApi(Origin, _nonce, null)));
    }

    [Fact]
    public void Presentation_without_the_encryption_key_thumbprint_is_refused()
    {
        var thumbprint = RandomNumberGenerator.GetBytes(32);
        var response = _wallet.Present(SessionTranscript.ForOpenId4VpDcApi(Origin, _nonce, null));

        AssertDeviceAuthenticationFails(Verify(response, SessionTranscript.ForOpenId4VpDcApi(Origin, _nonce, thumbprint)));
    }

    [Fact]
    public void Expired_document_is_refused()
    {
        var result = Verify(_wallet.Present(Redirect), at: Now.AddDays(31));

        Assert.Equal(MdocError.MsoExpired, result.Error);
    }

    [Fact]
    public void Document_is_refused_before_its_validity_starts()
    {
        var result = Verify(_wallet.Present(Redirect), at: Now.AddDays(-2));

        Assert.Equal(MdocError.MsoNotYetValid, result.Error);
    }

    [Fact]
    public void Document_from_an_untrusted_issuer_is_refused()
    {
        using var other = new TestWallet(Now);

        var result = Verify(_wallet.Present(Redirect), trust: other.TrustList);

        Assert.Equal(MdocError.UntrustedIssuer, result.Error);
    }

    [Fact]
    public void Document_is_refused_when_no_trust_anchor_is_configured()
    {
        Assert.Equal(MdocError.UntrustedIssuer, Verify(_wallet.Present(Redirect), trust: IacaTrustList.Empty).Error);
    }

    private static void AssertDeviceAuthenticationFails(MdocVerificationResult result)
    {
        Assert.False(result.IsValid);
        Assert.Contains(result.Error, new MdocError?[] { MdocError.DeviceSignatureInvalid, MdocError.SessionTranscriptMismatch });
    }

    public void Dispose() => _wallet.Dispose();
}
