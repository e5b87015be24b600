using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Identity.Api.Enrollment;
using Identity.Grains.Enrollment;
using Identity.Grains.Mdoc;
using Identity.Grains.Patients;
using Identity.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Identity.Tests.Enrollment;

/// <summary>
/// Enrolment over HTTP with a wallet that builds a fresh presentation per request (<see cref="TestWallet"/>): the
/// redirect / cross-device path (request_uri, direct_post.jwt and direct_post), the Digital Credentials API path, the
/// passkey that ends it, recovery, and refusals that store nothing.
/// </summary>
public sealed class EnrollmentHttpTests : IAsyncLifetime
{
    private readonly TestWallet _wallet = new(DateTimeOffset.UtcNow);
    private readonly EnrollmentApiFactory _factory;
    private PatientClient _browser = null!;
    private HttpClient _walletHttp = null!;

    public EnrollmentHttpTests() => _factory = new EnrollmentApiFactory(_wallet);

    public Task InitializeAsync()
    {
        _browser = PatientClient.For(_factory);
        _walletHttp = _factory.CreateClient(new() { BaseAddress = new Uri(_factory.Origin), HandleCookies = false });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _browser.Dispose();
        _walletHttp.Dispose();
        await _factory.DisposeAsync();
        _wallet.Dispose();
    }

    [Fact]
    public async Task Encrypted_redirect_response_enrols_a_verified_patient_who_registers_a_passkey_and_is_signed_in_at_aal2()
    {
        var wallet = new WalletOnTest(_wallet, _browser);
        var started = await wallet.StartAsync();
        Assert.StartsWith("openid4vp://?client_id=redirect_uri%3A", started["walletLink"]!.GetValue<string>());
        Assert.StartsWith("data:image/png;base64,", started["qrCode"]!.GetValue<string>());
        var request = await wallet.RequestObjectAsync(_walletHttp);
        Assert.Equal("direct_post.jwt", request["response_mode"]!.GetValue<string>());
        Assert.True(Base64UrlLength(request["nonce"]!.GetValue<string>()) >= 16);
        AssertAsksOnlyForEnrolmentElements(request["dcql_query"]!);

        using var posted = await WalletOnTest.PostAsync(_walletHttp, request, wallet.Answer(request));
        Assert.True(posted.StatusCode == HttpStatusCode.OK, await posted.Content.ReadAsStringAsync());
        Assert.EndsWith($"/account/enroll?session={wallet.Id}", (await posted.Content.ReadFromJsonAsync<JsonObject>())!["redirect_uri"]!.GetValue<string>());
        var state = await wallet.StateAsync();
        Assert.Equal("verified", state["status"]!.GetValue<string>());
        Assert.Equal("enrolled", state["outcome"]!.GetValue<string>());

        using var authenticator = new SoftwareAuthenticator(_factory.Origin);
        using var registered = await wallet.RegisterPasskeyAsync(authenticator);
        Assert.True(registered.StatusCode == HttpStatusCode.Created, await registered.Content.ReadAsStringAsync());
        var me = await _browser.MeAsync();
        Assert.Equal("ial2", me.GetProperty("identityAssurance").GetString());
        Assert.Contains("http://udap.org/code/auth/aal2", me.GetProperty("amr").EnumerateArray().Select(a => a.GetString()));

        var patient = await Patient(Guid.Parse(me.GetProperty("hl7_person_identifier").GetString()!));
        Assert.Equal(IdentityAssurance.Ial2, patient.Assurance);
        var identity = patient.VerifiedIdentity!;
        Assert.Equal(("Alex", "Sample", new DateOnly(1990, 4, 12), "US", "Test Motor Vehicles", new DateOnly(2031, 8, 31)),
            (identity.GivenName, identity.FamilyName, identity.BirthDate, identity.IssuingCountry, identity.IssuingAuthority, identity.DocumentExpiry));
        Assert.Equal(_wallet.TrustList.Anchors[0].Id, identity.TrustAnchorId);
        Assert.Equal("openid4vp direct_post.jwt", identity.Evidence.Protocol);
        Assert.NotNull(identity.Evidence.DocumentKey);
        Assert.Single(patient.ActivePasskeys);

        // The enrolment is used up: its passkey step cannot be repeated (and its browser binding is gone).
        using var again = await _browser.PostJsonAsync($"/api/enrollment/{wallet.Id}/passkey/options", "{}");
        Assert.Contains(await Code(again), new[] { "enrollment_other_browser", "enrollment_not_verified" });
    }

    [Fact]
    public async Task Unencrypted_direct_post_is_accepted_when_the_request_asked_for_it()
    {
        var wallet = new WalletOnTest(_wallet, _browser);
        await wallet.StartAsync("direct_post");
        var request = await wallet.RequestObjectAsync(_walletHttp);
        Assert.Equal("direct_post", request["response_mode"]!.GetValue<string>());
        Assert.Null(request["client_metadata"]!["jwks"]);

        using var posted = await WalletOnTest.PostAsync(_walletHttp, request, wallet.Answer(request));

        Assert.True(posted.StatusCode == HttpStatusCode.OK, await posted.Content.ReadAsStringAsync());
        Assert.Equal("verified", (await wallet.StateAsync())["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Digital_credentials_api_response_for_the_page_origin_is_verified()
    {
        var wallet = new WalletOnTest(_wallet, _browser);
        await wallet.StartAsync();

        using var response = await wallet.AnswerDigitalCredentialsAsync(_factory.Origin);

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        Assert.Equal("verified", (await response.Content.ReadFromJsonAsync<JsonObject>())!["status"]!.GetValue<string>());
        using var authenticator = new SoftwareAuthenticator(_factory.Origin);
        using var registered = await wallet.RegisterPasskeyAsync(authenticator);
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        Assert.Equal("openid4vp-v1-unsigned dc_api.jwt", (await Patient(await MeAsync())).VerifiedIdentity!.Evidence.Protocol);
    }

    [Fact]
    public async Task Presentation_for_another_origin_is_refused_and_nothing_is_stored()
    {
        var wallet = new WalletOnTest(_wallet, _browser);
        await wallet.StartAsync();

        using var response = await wallet.AnswerDigitalCredentialsAsync("https://attacker.example");

        Assert.Contains(await Code(response), DeviceAuthenticationFailures);
        await AssertNothingStoredAsync(wallet);
    }

    [Fact]
    public async Task Presentation_signed_for_another_nonce_is_refused_and_nothing_is_stored()
    {
        var wallet = new WalletOnTest(_wallet, _browser);
        await wallet.StartAsync();
        var request = await wallet.RequestObjectAsync(_walletHttp);
        var jwk = (JsonObject)request["client_metadata"]!["jwks"]!["keys"]![0]!;
        var otherNonce = SessionTranscript.ForOpenId4Vp(request["client_id"]!.GetValue<string>(), "another-nonce-0123456789abcdef",
            ResponseEncryptionKey.ThumbprintOf(jwk["x"]!.GetValue<string>(), jwk["y"]!.GetValue<string>()), request["response_uri"]!.GetValue<string>());

        using var posted = await WalletOnTest.PostAsync(_walletHttp, request, wallet.Answer(request, transcript: otherNonce));

        Assert.Contains(await Code(posted), DeviceAuthenticationFailures);
        await AssertNothingStoredAsync(wallet);
    }

    [Fact]
    public async Task Presentation_from_an_untrusted_issuer_is_refused_and_nothing_is_stored()
    {
        using var stranger = new TestWallet(DateTimeOffset.UtcNow);
        var wallet = new WalletOnTest(stranger, _browser);
        await wallet.StartAsync();
        var request = await wallet.RequestObjectAsync(_walletHttp);

        using var posted = await WalletOnTest.PostAsync(_walletHttp, request, wallet.Answer(request));

        Assert.Equal("mdoc_untrusted_issuer", await Code(posted));
        await AssertNothingStoredAsync(wallet);
    }

    [Fact]
    public async Task Replayed_response_is_refused_because_the_nonce_is_single_use()
    {
        var wallet = new WalletOnTest(_wallet, _browser);
        await wallet.StartAsync();
        var request = await wallet.RequestObjectAsync(_walletHttp);
        var form = wallet.Answer(request, WalletDefect.DigestTampered);
        using var first = await WalletOnTest.PostAsync(_walletHttp, request, form);
        Assert.Equal("mdoc_digest_mismatch", await Code(first));

        // Even a good answer to a spent request is refused: the nonce was used by the first response.
        using var replayed = await WalletOnTest.PostAsync(_walletHttp, request, wallet.Answer(request));

        Assert.Equal(HttpStatusCode.Conflict, replayed.StatusCode);
        Assert.Equal("enrollment_response_replayed", await Code(replayed));
        await AssertNothingStoredAsync(wallet);
    }

    [Fact]
    public async Task Response_captured_for_one_request_does_not_verify_for_another()
    {
        var first = new WalletOnTest(_wallet, _browser);
        await first.StartAsync();
        var captured = first.Answer(await first.RequestObjectAsync(_walletHttp));
        var second = new WalletOnTest(_wallet, _browser);
        await second.StartAsync();
        var request = await second.RequestObjectAsync(_walletHttp);

        using var posted = await WalletOnTest.PostAsync(_walletHttp, request, captured);

        Assert.Equal("response_not_decryptable", await Code(posted));
        await AssertNothingStoredAsync(second);
    }

    [Fact]
    public async Task Same_licence_presented_again_recovers_the_account_instead_of_creating_a_second_patient()
    {
        var firstPatient = await EnrolAsync(_browser);
        using var newBrowser = PatientClient.For(_factory);
        var wallet = new WalletOnTest(_wallet, newBrowser);
        await wallet.StartAsync();
        var request = await wallet.RequestObjectAsync(_walletHttp);
        using var posted = await WalletOnTest.PostAsync(_walletHttp, request, wallet.Answer(request));
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);

        Assert.Equal("recovery", (await wallet.StateAsync())["outcome"]!.GetValue<string>());
        using var newDevice = new SoftwareAuthenticator(_factory.Origin);
        using var registered = await wallet.RegisterPasskeyAsync(newDevice);
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        Assert.Equal("recovery", (await registered.Content.ReadFromJsonAsync<JsonObject>())!["outcome"]!.GetValue<string>());
        var me = await newBrowser.MeAsync();
        Assert.Equal(firstPatient, Guid.Parse(me.GetProperty("hl7_person_identifier").GetString()!));
        Assert.Equal(2, (await Patient(firstPatient)).ActivePasskeys.Count());
        Assert.Contains(_factory.Audit.Events, e => e.Subtype.Any(s => s.Code == "account-recovery"));
    }

    [Fact]
    public async Task Only_the_browser_that_started_the_enrolment_sees_its_result_and_registers_the_passkey()
    {
        var wallet = new WalletOnTest(_wallet, _browser);
        await wallet.StartAsync();
        var request = await wallet.RequestObjectAsync(_walletHttp);
        using var posted = await WalletOnTest.PostAsync(_walletHttp, request, wallet.Answer(request));
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);

        using var other = PatientClient.For(_factory);
        using var status = await other.Http.GetAsync($"/api/enrollment/{wallet.Id}");
        using var options = await other.PostJsonAsync($"/api/enrollment/{wallet.Id}/passkey/options", "{}");

        Assert.Equal("enrollment_other_browser", await Code(status));
        Assert.Equal("enrollment_other_browser", await Code(options));
    }

    [Fact]
    public async Task Verified_personal_data_is_encrypted_in_grain_storage_and_absent_from_logs_and_the_audit_trail()
    {
        await EnrolAsync(_browser);

        string[] personal = ["Alex", "Sample", "1990-04-12", "T1234567", "Test Motor Vehicles", "2031-08-31"];
        var stored = Directory.EnumerateFiles(_factory.DataDirectory, "*.db*", SearchOption.AllDirectories)
            .Select(path => (path, text: Encoding.UTF8.GetString(File.ReadAllBytes(path)) + Encoding.Unicode.GetString(File.ReadAllBytes(path))))
            .ToList();
        Assert.NotEmpty(stored);
        foreach (var value in personal)
        {
            Assert.DoesNotContain(stored, file => file.text.Contains(value, StringComparison.Ordinal));
            Assert.DoesNotContain(_factory.Logs.Messages, message => message.Contains(value, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Demo_wallet_answers_the_current_request_in_development()
    {
        var wallet = new WalletOnTest(_wallet, _browser);
        var started = await wallet.StartAsync();
        var demo = started["demoWallet"]!.GetValue<string>();
        Assert.StartsWith("/demo/wallet?client_id=", demo);
        using var page = await _browser.Http.GetAsync(demo);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var link = new Uri(started["walletLink"]!.GetValue<string>());
        var requestObject = await _walletHttp.GetStringAsync(new Uri(System.Web.HttpUtility.ParseQueryString(link.Query)["request_uri"]!).PathAndQuery);

        using var answer = await _browser.PostJsonAsync("/demo/wallet/presentations", JsonSerializer.Serialize(new
        {
            request = requestObject,
            holder = new { givenName = "Dana", familyName = "Demo", birthDate = "1985-01-02", documentNumber = "DEMO-HTTP-1" },
        }));
        Assert.True(answer.IsSuccessStatusCode, await answer.Content.ReadAsStringAsync());
        var presentation = (await answer.Content.ReadFromJsonAsync<JsonObject>())!;
        var form = presentation["form"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<string>());
        using var posted = await _walletHttp.PostAsync(new Uri(presentation["responseUri"]!.GetValue<string>()).PathAndQuery, new FormUrlEncodedContent(form));

        Assert.True(posted.StatusCode == HttpStatusCode.OK, await posted.Content.ReadAsStringAsync());
        Assert.Equal("enrolled", (await wallet.StateAsync())["outcome"]!.GetValue<string>());
    }

    private static readonly string[] DeviceAuthenticationFailures = ["mdoc_device_signature_invalid", "mdoc_session_transcript_mismatch"];

    private async Task<Guid> EnrolAsync(PatientClient browser)
    {
        var wallet = new WalletOnTest(_wallet, browser);
        await wallet.StartAsync();
        var request = await wallet.RequestObjectAsync(_walletHttp);
        using var posted = await WalletOnTest.PostAsync(_walletHttp, request, wallet.Answer(request));
        Assert.True(posted.StatusCode == HttpStatusCode.OK, await posted.Content.ReadAsStringAsync());
        using var authenticator = new SoftwareAuthenticator(_factory.Origin);
        using var registered = await wallet.RegisterPasskeyAsync(authenticator);
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        return Guid.Parse((await registered.Content.ReadFromJsonAsync<JsonObject>())!["hl7_person_identifier"]!.GetValue<string>());
    }

    private async Task<Guid> MeAsync() => Guid.Parse((await _browser.MeAsync()).GetProperty("hl7_person_identifier").GetString()!);

    private async Task<PatientSnapshot> Patient(Guid id) =>
        (await _factory.Services.GetRequiredService<IGrainFactory>().GetGrain<IPatientGrain>(id).GetAsync())!;

    // Refused: the session failed with the code, the document is bound to nobody, and an audit event records the refusal.
    private async Task AssertNothingStoredAsync(WalletOnTest wallet)
    {
        var state = await wallet.StateAsync();
        Assert.Equal("failed", state["status"]!.GetValue<string>());
        var key = _factory.Services.GetRequiredService<DocumentKey>().For("US", "T1234567");
        var grains = _factory.Services.GetRequiredService<IGrainFactory>();
        Assert.Null(await grains.GetGrain<IDocumentIndexGrain>(DocumentIndexGrain.KeyFor(key)).GetOwnerAsync());
        var code = state["code"]!.GetValue<string>();
        var refusal = Assert.Single(_factory.Audit.Events, e => e.OutcomeDesc == code);
        Assert.Empty(refusal.Entity);
        Assert.Contains(_factory.Logs.Messages, m => m.Contains($"mDL presentation refused: {code}", StringComparison.Ordinal));
    }

    private static void AssertAsksOnlyForEnrolmentElements(JsonNode dcql)
    {
        var credential = Assert.Single(dcql["credentials"]!.AsArray())!;
        Assert.Equal("mso_mdoc", credential["format"]!.GetValue<string>());
        Assert.Equal("org.iso.18013.5.1.mDL", credential["meta"]!["doctype_value"]!.GetValue<string>());
        var elements = credential["claims"]!.AsArray().Select(c => c!["path"]![1]!.GetValue<string>()).Order().ToArray();
        Assert.Equal(["birth_date", "document_number", "expiry_date", "family_name", "given_name", "issuing_authority", "issuing_country"], elements);
    }

    private static int Base64UrlLength(string value) => System.Buffers.Text.Base64Url.DecodeFromChars(value).Length;

    private static async Task<string?> Code(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        try
        {
            return JsonNode.Parse(body)?["code"]?.GetValue<string>();
        }
        catch (JsonException)
        {
            return body;
        }
    }
}
