using System.Buffers.Text;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Identity.Api.Enrollment;
using Identity.Grains.Enrollment;
using Identity.Grains.Patients;
using Identity.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Identity.Tests.Enrollment;

/// <summary>
/// The signed Digital Credentials API request (<c>openid4vp-v1-signed</c>, OpenID4VP 1.0 Appendix A.3.2): a JWS (ES256)
/// with the verifier's certificate chain in <c>x5c</c>, an <c>x509_san_dns:</c> (or <c>x509_hash:</c>) client id and
/// <c>expected_origins</c>; and an enrolment answered through it.
/// </summary>
public sealed class SignedDigitalCredentialsTests : IAsyncLifetime
{
    private readonly TestWallet _wallet = new(DateTimeOffset.UtcNow);
    private readonly EnrollmentApiFactory _factory;
    private PatientClient _browser = null!;

    public SignedDigitalCredentialsTests() => _factory = new EnrollmentApiFactory(_wallet);

    public Task InitializeAsync()
    {
        _browser = PatientClient.For(_factory);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _browser.Dispose();
        await _factory.DisposeAsync();
        _wallet.Dispose();
    }

    private static EnrollmentSession Session(string origin) => new()
    {
        Id = "session-1",
        Nonce = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32)),
        Origin = origin,
        ResponseKey = [],
        BrowserBinding = new byte[32],
        ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(10),
        Flow = EnrollmentFlow.DirectPostJwt,
    };

    private static VerifierCertificate NewVerifier(params string[] dnsNames)
    {
        var (certificate, key) = VerifierCertificate.CreateDevelopment(dnsNames);
        return VerifierCertificate.FromPem(certificate, key);
    }

    [Fact]
    public void Signed_request_verifies_with_the_certificate_key_and_carries_the_request_claims()
    {
        using var verifier = NewVerifier("verifier.example");
        using var key = ResponseEncryptionKey.Create("k1");
        var session = Session("https://verifier.example");

        var request = EnrollmentRequests.SignedDcApiRequest(session, key, verifier);

        Assert.Equal("openid4vp-v1-signed", request["protocol"]!.GetValue<string>());
        var signed = SignedRequest.Verify(request["data"]!["request"]!.GetValue<string>());
        Assert.Equal(verifier.Leaf.RawData, signed.Leaf.RawData);
        var claims = signed.Claims;
        Assert.Equal("x509_san_dns:verifier.example", claims["client_id"]!.GetValue<string>());
        Assert.Contains(claims["client_id"]!.GetValue<string>()["x509_san_dns:".Length..], VerifierCertificate.DnsNames(signed.Leaf));
        Assert.Equal("vp_token", claims["response_type"]!.GetValue<string>());
        Assert.Equal("dc_api.jwt", claims["response_mode"]!.GetValue<string>());
        Assert.Equal(session.Nonce, claims["nonce"]!.GetValue<string>());
        Assert.Equal(["https://verifier.example"], claims["expected_origins"]!.AsArray().Select(o => o!.GetValue<string>()));
        Assert.Equal(MdlQuery.Dcql().ToJsonString(), claims["dcql_query"]!.ToJsonString());
        var jwk = claims["client_metadata"]!["jwks"]!["keys"]![0]!;
        Assert.Equal(key.X, jwk["x"]!.GetValue<string>());
        Assert.Equal(key.Y, jwk["y"]!.GetValue<string>());
        Assert.Equal("ECDH-ES", jwk["alg"]!.GetValue<string>());
        Assert.NotNull(claims["client_metadata"]!["encrypted_response_enc_values_supported"]);
        // A DC API request names no response_uri or state: the browser carries the answer back to the page.
        Assert.Null(claims["response_uri"]);
    }

    [Fact]
    public void A_tampered_signed_request_does_not_verify()
    {
        using var verifier = NewVerifier("verifier.example");
        using var key = ResponseEncryptionKey.Create("k1");
        var jws = EnrollmentRequests.SignedDcApiRequest(Session("https://verifier.example"), key, verifier)["data"]!["request"]!.GetValue<string>();
        var parts = jws.Split('.');
        var claims = (JsonObject)JsonNode.Parse(Base64Url.DecodeFromChars(parts[1]))!;
        claims["expected_origins"] = new JsonArray("https://attacker.example");
        var tampered = $"{parts[0]}.{Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(claims.ToJsonString()))}.{parts[2]}";

        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => SignedRequest.Verify(tampered));
    }

    [Fact]
    public void Without_a_matching_dns_name_the_client_id_is_the_certificate_hash()
    {
        using var verifier = NewVerifier("verifier.example");

        var clientId = verifier.ClientId("https://other.example:8443");

        Assert.Equal("x509_hash:" + Base64Url.EncodeToString(SHA256.HashData(verifier.Leaf.RawData)), clientId);
    }

    [Fact]
    public void A_key_that_is_not_the_certificates_is_refused()
    {
        var (certificate, _) = VerifierCertificate.CreateDevelopment(["verifier.example"]);
        var (_, otherKey) = VerifierCertificate.CreateDevelopment(["verifier.example"]);

        Assert.Throws<InvalidOperationException>(() => VerifierCertificate.FromPem(certificate, otherKey));
    }

    [Fact]
    public async Task The_page_offers_signed_then_unsigned_and_an_enrolment_through_the_signed_request_signs_in_at_aal2()
    {
        var wallet = new WalletOnTest(_wallet, _browser);
        var started = await wallet.StartAsync();
        var requests = started["digitalCredentials"]!["digital"]!["requests"]!.AsArray();
        Assert.Equal(["openid4vp-v1-signed", "openid4vp-v1-unsigned"], requests.Select(r => r!["protocol"]!.GetValue<string>()));

        var signed = SignedRequest.Verify(requests[0]!["data"]!["request"]!.GetValue<string>());
        var host = new Uri(_factory.Origin).Host;
        Assert.Equal("x509_san_dns:" + host, signed.Claims["client_id"]!.GetValue<string>());
        Assert.Contains(host, VerifierCertificate.DnsNames(signed.Leaf));
        Assert.Equal([_factory.Origin], signed.Claims["expected_origins"]!.AsArray().Select(o => o!.GetValue<string>()));
        Assert.Equal(requests[1]!["data"]!["nonce"]!.GetValue<string>(), signed.Claims["nonce"]!.GetValue<string>());
        // The persisted Development certificate is the one in use.
        Assert.Equal(_factory.Services.GetRequiredService<VerifierCertificate>().Leaf.RawData, signed.Leaf.RawData);

        using var response = await wallet.AnswerDigitalCredentialsAsync(_factory.Origin, protocol: "openid4vp-v1-signed");

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        Assert.Equal("verified", (await response.Content.ReadFromJsonAsync<JsonObject>())!["status"]!.GetValue<string>());
        using var authenticator = new SoftwareAuthenticator(_factory.Origin);
        using var registered = await wallet.RegisterPasskeyAsync(authenticator);
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        var me = Guid.Parse((await _browser.MeAsync()).GetProperty("hl7_person_identifier").GetString()!);
        var patient = (await _factory.Services.GetRequiredService<IGrainFactory>().GetGrain<IPatientGrain>(me).GetAsync())!;
        Assert.Equal("openid4vp-v1-signed dc_api.jwt", patient.VerifiedIdentity!.Evidence.Protocol);
    }

    [Fact]
    public async Task A_signed_request_answered_for_another_origin_is_refused()
    {
        var wallet = new WalletOnTest(_wallet, _browser);
        await wallet.StartAsync();

        using var response = await wallet.AnswerDigitalCredentialsAsync("https://attacker.example", protocol: "openid4vp-v1-signed");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("failed", (await wallet.StateAsync())["status"]!.GetValue<string>());
    }
}

/// <summary>A configured verifier certificate (<c>Enrollment:VerifierCertificate</c> / <c>VerifierKey</c>) is the one that signs.</summary>
public sealed class ConfiguredVerifierCertificateTests
{
    [Fact]
    public async Task The_configured_certificate_signs_and_without_the_page_host_as_san_the_client_id_is_its_hash()
    {
        var (certificate, key) = VerifierCertificate.CreateDevelopment(["verifier.example"]);
        using var wallet = new TestWallet(DateTimeOffset.UtcNow);
        await using var factory = new EnrollmentApiFactory(wallet);
        var folder = Directory.CreateDirectory(Path.Combine(factory.DataDirectory, "verifier")).FullName;
        File.WriteAllText(Path.Combine(folder, "verifier.pem"), certificate);
        factory.Settings["Enrollment:VerifierCertificate"] = Path.Combine(folder, "verifier.pem");
        factory.Settings["Enrollment:VerifierKey"] = key;
        using var browser = PatientClient.For(factory);

        var started = await new WalletOnTest(wallet, browser).StartAsync();

        var signed = SignedRequest.Verify(started["digitalCredentials"]!["digital"]!["requests"]![0]!["data"]!["request"]!.GetValue<string>());
        using var expected = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(certificate);
        Assert.Equal(expected.RawData, signed.Leaf.RawData);
        Assert.Equal("x509_hash:" + Base64Url.EncodeToString(SHA256.HashData(expected.RawData)), signed.Claims["client_id"]!.GetValue<string>());
        Assert.False(File.Exists(Path.Combine(factory.DataDirectory, VerifierCertificate.CertificateFileName)));
    }
}
