using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Identity.Grains.Patients;
using Identity.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Identity.Tests.Passkeys;

/// <summary>Passkey ceremonies and account management over HTTP against the real service (co-hosted silo, SQLite).</summary>
public sealed class PasskeyHttpTests(IdentityApiFactory factory) : IClassFixture<IdentityApiFactory>
{
    [Fact]
    public async Task Patient_registers_signs_out_and_signs_in_with_a_passkey()
    {
        using var client = PatientClient.For(factory);
        using var authenticator = new SoftwareAuthenticator(factory.Origin);

        using var registered = await client.RegisterAsync(authenticator);
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        var body = await registered.Content.ReadFromJsonAsync<JsonElement>();
        var patientId = body.GetProperty("hl7_person_identifier").GetString()!;
        Assert.Equal(4, Guid.Parse(patientId).Version);
        Assert.Equal(authenticator.UserHandle, patientId);

        var me = await client.MeAsync();
        Assert.Equal("unverified", me.GetProperty("identityAssurance").GetString());
        Assert.Contains("hwk", me.GetProperty("amr").EnumerateArray().Select(a => a.GetString()));
        Assert.Contains("http://udap.org/code/auth/aal2", me.GetProperty("amr").EnumerateArray().Select(a => a.GetString()));

        using (await client.PostJsonAsync("/api/account/sign-out", "{}")) { }
        using var signedOut = await client.Http.GetAsync("/api/account/me");
        await AssertProblem(signedOut, HttpStatusCode.Unauthorized, "authentication_required");

        using var signedIn = await client.SignInAsync(authenticator);
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
        Assert.Equal(patientId, (await client.MeAsync()).GetProperty("hl7_person_identifier").GetString());

        var stored = await Grain(patientId).GetAsync();
        var passkey = Assert.Single(stored!.Passkeys);
        Assert.Equal(2u, passkey.SignCount);
        Assert.Equal(-7, passkey.Algorithm);
        Assert.NotNull(passkey.LastUsedAt);
        Assert.NotEqual(Guid.Empty, passkey.Aaguid);
    }

    [Fact]
    public async Task Synced_passkey_records_backup_flags_and_software_key_amr()
    {
        using var client = PatientClient.For(factory);
        using var authenticator = new SoftwareAuthenticator(factory.Origin, synced: true);

        using (var registered = await client.RegisterAsync(authenticator))
        {
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        }

        var passkey = Assert.Single(await client.PasskeysAsync());
        Assert.True(passkey.GetProperty("synced").GetBoolean());
        Assert.True(passkey.GetProperty("backedUp").GetBoolean());
        Assert.Contains("swk", (await client.MeAsync()).GetProperty("amr").EnumerateArray().Select(a => a.GetString()));
    }

    [Fact]
    public async Task Replayed_sign_in_is_refused()
    {
        using var owner = PatientClient.For(factory);
        using var authenticator = new SoftwareAuthenticator(factory.Origin);
        using (await owner.RegisterAsync(authenticator)) { }

        // An attacker replays a captured request: the same ceremony cookie and the same signed response.
        using var attacker = factory.CreateClient(new() { BaseAddress = new Uri(factory.Origin), HandleCookies = false });
        using var options = await attacker.PostAsync("/api/passkeys/sign-in/options", Json("{}"));
        var cookie = string.Join("; ", options.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
        var assertion = authenticator.Get(await options.Content.ReadAsStringAsync());

        async Task<HttpResponseMessage> Send()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/passkeys/sign-in") { Content = Json(assertion) };
            request.Headers.Add("Cookie", cookie);
            return await attacker.SendAsync(request);
        }

        using var first = await Send();
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        using var replay = await Send();
        await AssertProblem(replay, HttpStatusCode.BadRequest, "passkey_challenge_reused");
    }

    [Fact]
    public async Task Unknown_credential_is_refused()
    {
        using var client = PatientClient.For(factory);
        using var stranger = new SoftwareAuthenticator(factory.Origin);

        using var response = await client.SignInAsync(stranger);

        await AssertProblem(response, HttpStatusCode.BadRequest, "passkey_unknown_credential");
        using var me = await client.Http.GetAsync("/api/account/me");
        Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);
    }

    [Fact]
    public async Task Bad_input_gets_a_clear_problem_and_stores_nothing()
    {
        using var client = PatientClient.For(factory);
        var options = await client.OptionsAsync("/api/passkeys/register/options");
        var patientId = Encoding.UTF8.GetString(Convert.FromBase64String(Pad(JsonDocument.Parse(options).RootElement
            .GetProperty("user").GetProperty("id").GetString()!)));

        using (var malformed = await client.PostJsonAsync("/api/passkeys/register", "{\"id\": "))
        {
            await AssertProblem(malformed, HttpStatusCode.BadRequest, "malformed_json");
        }
        using (var oversized = await client.PostJsonAsync("/api/passkeys/register", $"{{\"pad\":\"{new string('a', 70_000)}\"}}"))
        {
            await AssertProblem(oversized, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        }
        using (var notJson = await client.Http.PostAsync("/api/passkeys/register", new StringContent("x", Encoding.UTF8, "text/plain")))
        {
            await AssertProblem(notJson, HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        }
        using (var notCredential = await client.PostJsonAsync("/api/passkeys/register", "{\"type\":\"public-key\",\"id\":\"AAAA\"}"))
        {
            await AssertProblem(notCredential, HttpStatusCode.BadRequest, "passkey_malformed_credential");
        }
        using (var deep = await client.PostJsonAsync("/api/passkeys/sign-in", new string('[', 100) + new string(']', 100)))
        {
            await AssertProblem(deep, HttpStatusCode.BadRequest, "malformed_json");
        }

        var patient = await Grain(patientId).GetAsync();
        Assert.NotNull(patient);
        Assert.Empty(patient.Passkeys);
    }

    [Fact]
    public async Task Sign_in_without_options_is_refused()
    {
        using var client = PatientClient.For(factory);
        using var authenticator = new SoftwareAuthenticator(factory.Origin);
        var assertion = authenticator.Get("{\"challenge\":\"AAAAAAAAAAAAAAAAAAAAAA\",\"rpId\":\"localhost\"}");

        using var response = await client.PostJsonAsync("/api/passkeys/sign-in", assertion);

        await AssertProblem(response, HttpStatusCode.BadRequest, "passkey_ceremony_missing");
    }

    [Fact]
    public async Task Requests_from_another_site_are_refused()
    {
        using var client = factory.CreateClient(new() { BaseAddress = new Uri(factory.Origin) });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/passkeys/sign-in/options") { Content = Json("{}") };
        request.Headers.Add("Origin", "https://evil.example");

        using var response = await client.SendAsync(request);

        await AssertProblem(response, HttpStatusCode.Forbidden, "cross_origin_request");
    }

    [Fact]
    public async Task A_credential_cannot_be_registered_to_a_second_patient()
    {
        using var authenticator = new SoftwareAuthenticator(factory.Origin);
        using var first = PatientClient.For(factory);
        using (var registered = await first.RegisterAsync(authenticator))
        {
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        }

        using var second = PatientClient.For(factory);
        using var again = await second.RegisterAsync(authenticator);

        await AssertProblem(again, HttpStatusCode.Conflict, "passkey_already_registered");
    }

    [Fact]
    public async Task A_cloned_authenticator_with_a_lower_counter_is_refused()
    {
        using var client = PatientClient.For(factory);
        using var authenticator = new SoftwareAuthenticator(factory.Origin);
        using (await client.RegisterAsync(authenticator)) { }
        using (var ok = await client.SignInAsync(authenticator))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        authenticator.SignCount = 1;
        using var cloned = await client.SignInAsync(authenticator);

        await AssertProblem(cloned, HttpStatusCode.BadRequest, "passkey_sign_count_regressed");
    }

    [Fact]
    public async Task Patient_adds_renames_and_removes_passkeys_but_keeps_the_last_one()
    {
        using var client = PatientClient.For(factory);
        using var phone = new SoftwareAuthenticator(factory.Origin);
        using var laptop = new SoftwareAuthenticator(factory.Origin);
        using (await client.RegisterAsync(phone)) { }

        using (var lastOne = await client.Http.DeleteAsync($"/api/passkeys/{phone.CredentialIdText}"))
        {
            await AssertProblem(lastOne, HttpStatusCode.Conflict, "last_passkey");
        }

        laptop.UserHandleFrom(phone);
        using (var added = await client.PostJsonAsync("/api/passkeys", laptop.Create(await client.OptionsAsync("/api/passkeys/options"))))
        {
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        }
        using (var renamed = await client.Http.PatchAsync($"/api/passkeys/{laptop.CredentialIdText}", Json("{\"name\":\"Work laptop\"}")))
        {
            Assert.Equal(HttpStatusCode.NoContent, renamed.StatusCode);
        }
        using (var removed = await client.Http.DeleteAsync($"/api/passkeys/{phone.CredentialIdText}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        }

        var passkeys = await client.PasskeysAsync();
        Assert.Equal(2, passkeys.Length);
        Assert.Contains(passkeys, p => p.GetProperty("name").GetString() == "Work laptop" && p.GetProperty("removedAt").ValueKind == JsonValueKind.Null);
        Assert.Contains(passkeys, p => p.GetProperty("id").GetString() == phone.CredentialIdText && p.GetProperty("removedAt").ValueKind != JsonValueKind.Null);

        using var withRemoved = await client.SignInAsync(phone);
        await AssertProblem(withRemoved, HttpStatusCode.BadRequest, "passkey_unknown_credential");
        using var withLaptop = await client.SignInAsync(laptop);
        Assert.Equal(HttpStatusCode.OK, withLaptop.StatusCode);
    }

    [Fact]
    public async Task Passkey_names_are_validated()
    {
        using var client = PatientClient.For(factory);
        using var authenticator = new SoftwareAuthenticator(factory.Origin);
        using (await client.RegisterAsync(authenticator)) { }

        using var empty = await client.Http.PatchAsync($"/api/passkeys/{authenticator.CredentialIdText}", Json("{\"name\":\"  \"}"));
        await AssertProblem(empty, HttpStatusCode.BadRequest, "invalid_passkey_name");
        using var unknown = await client.Http.PatchAsync("/api/passkeys/AAAA", Json("{\"name\":\"x\"}"));
        await AssertProblem(unknown, HttpStatusCode.NotFound, "passkey_not_found");
    }

    [Fact]
    public async Task Health_and_openapi_endpoints_answer()
    {
        using var client = factory.CreateClient();
        using var live = await client.GetAsync("/health/live");
        using var ready = await client.GetAsync("/health/ready");
        var openApi = await client.GetStringAsync("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        foreach (var path in new[] { "/api/passkeys/register/options", "/api/passkeys/register", "/api/passkeys/sign-in/options",
                     "/api/passkeys/sign-in", "/api/passkeys/{id}", "/api/account/me", "/api/account/sign-out" })
        {
            Assert.Contains($"\"{path}\"", openApi, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Landing_and_account_pages_are_served()
    {
        using var client = factory.CreateClient();
        foreach (var (path, marker) in new[] { ("/", "What to do next"), ("/account/register", "id=\"add-passkey\""),
                     ("/account/signin", "autocomplete=\"username webauthn\""), ("/account/passkeys", "id=\"passkey-rows\"") })
        {
            var html = await client.GetStringAsync(path);
            Assert.Contains(marker, html, StringComparison.Ordinal);
        }
    }

    internal static async Task AssertProblem(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(text);
        Assert.Equal(code, problem.RootElement.GetProperty("code").GetString());
    }

    internal static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private IPatientGrain Grain(string patientId) =>
        factory.Services.GetRequiredService<IGrainFactory>().GetGrain<IPatientGrain>(Guid.Parse(patientId));

    private static string Pad(string base64Url)
    {
        var base64 = base64Url.Replace('-', '+').Replace('_', '/');
        return base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
    }
}
