using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Identity.Tests.Consent;
using Identity.Tests.Tokens;
using Microsoft.IdentityModel.Tokens;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Identity.Tests.Browser;

/// <summary>
/// "My consents" (<c>/account/consents</c>) in headless Chromium, as a patient uses it: an app's grant approved on the
/// consent screen and a consent written through <c>/fhir/Consent</c> are listed by name, their histories read, and the
/// grant withdrawn with the keyboard, which ends the app's tokens.
/// </summary>
[Collection("Browser")]
public sealed class ConsentPageBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const string Scope = "openid offline_access launch/patient patient/*.rs network:demo";
    private const string NetworkName = "Demo Health Network (network)";
    private const string GrantActors = "Demo Patient App, " + NetworkName;
    // West of UTC, so a date-only period end read as UTC midnight would show the day before.
    private const string TimeZone = "America/Los_Angeles";
    private static readonly TimeSpan CallbackTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Patient_sees_consents_by_name_reads_their_history_and_withdraws_an_apps_grant_which_ends_its_tokens()
    {
        await using var patient = await browser.OpenAsync(timeZone: TimeZone, locale: "en-US");
        var page = patient.Page;
        await patient.RegisterAsync("Ada's phone");
        var patientId = Guid.Parse((await patient.GetJsonAsync("/api/account/me")).GetProperty("hl7_person_identifier").GetString()!);

        // A consent the patient writes through the FHIR API from their session: the demo network, for treatment, until a date.
        var networkConsentId = await CreateNetworkConsentAsync(patient, patientId);

        // The demo app's grant, approved on the consent screen through the real authorize flow.
        using var app = new HttpClient { BaseAddress = browser.BaseUri };
        var tokens = await ApproveDemoAppAsync(page, app);
        var accessToken = tokens.GetProperty("access_token").GetString()!;
        var refreshToken = tokens.GetProperty("refresh_token").GetString()!;
        Assert.True(await IsActiveAsync(app, accessToken));

        // The patient comes back from the app's callback to the consents page.
        await page.GotoAsync("/account/consents");
        var listed = (await patient.GetJsonAsync("/api/consents")).EnumerateArray().ToList();
        Assert.Equal(2, listed.Count);
        var grant = listed.Single(c => c.GetProperty("appGrant").GetBoolean());
        var grantId = grant.GetProperty("id").GetString()!;
        var grantEnd = DateTimeOffset.Parse(grant.GetProperty("period").GetProperty("end").GetString()!, CultureInfo.InvariantCulture);

        var rows = page.Locator("#consent-rows tr");
        await Expect(rows).ToHaveCountAsync(2);
        // Newest first: the grant, then the network consent.
        Assert.Equal(grantId, await rows.Nth(0).GetAttributeAsync("data-consent-id"));
        Assert.Equal(networkConsentId, await rows.Nth(1).GetAttributeAsync("data-consent-id"));
        var grantRow = Row(page, grantId);
        var networkRow = Row(page, networkConsentId);
        await Expect(grantRow.Locator("td")).ToHaveTextAsync(
            [GrantActors, "Allow", "launch/patient network:demo patient/*.rs · for your request", LocalDate(grantEnd), "Active", "History Withdraw"]);
        await Expect(networkRow.Locator("td")).ToHaveTextAsync(
            [NetworkName, "Allow", "for treatment, emergency treatment", "6/30/2030", "Active", "History Withdraw"]);
        var table = await page.Locator("#consent-rows").InnerTextAsync();
        foreach (var id in new[] { OAuthFlow.DemoApp, OAuthFlow.DemoResource, "urn:identityconsent" })
        {
            Assert.DoesNotContain(id, table, StringComparison.Ordinal);
        }
        await Expect(page.Locator("#status")).ToBeEmptyAsync();

        // Every action is a real button with a name that says which consent it acts on; the unnamed column has a name too.
        await Expect(page.GetByRole(AriaRole.Columnheader, new() { Name = "Actions", Exact = true })).ToHaveCountAsync(1);
        Assert.True((await page.Locator("th .visually-hidden").BoundingBoxAsync())!.Width <= 1, "the Actions header should be visually hidden");
        var networkHistory = page.GetByRole(AriaRole.Button, new() { Name = $"History of the consent for {NetworkName}", Exact = true });
        var grantHistory = page.GetByRole(AriaRole.Button, new() { Name = $"History of the consent for {GrantActors}", Exact = true });
        var withdrawGrant = page.GetByRole(AriaRole.Button, new() { Name = $"Withdraw the consent for {GrantActors}", Exact = true });
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = $"Withdraw the consent for {NetworkName}", Exact = true })).ToHaveCountAsync(1);
        foreach (var button in await page.Locator("#consent-rows button").AllAsync())
        {
            Assert.Equal("button", await button.GetAttributeAsync("type"));
        }

        // History of the network consent, opened from the keyboard: both versions, newest first, and focus moves to it.
        var networkVersions = (await patient.GetJsonAsync($"/api/consents/{networkConsentId}/history")).EnumerateArray().ToList();
        await networkHistory.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#history")).ToBeVisibleAsync();
        await Expect(page.Locator("#history-title")).ToHaveTextAsync($"History of the consent for {NetworkName}");
        await Expect(page.Locator("#history-title")).ToBeFocusedAsync();
        Assert.Equal(
            [$"Version 2: active, {LocalDateTime(networkVersions[0])}, by you", $"Version 1: active, {LocalDateTime(networkVersions[1])}, by you"],
            await HistoryItemsAsync(page));

        await grantHistory.ClickAsync();
        await Expect(page.Locator("#history-title")).ToHaveTextAsync($"History of the consent for {GrantActors}");
        await Expect(page.Locator("#history-rows li")).ToHaveCountAsync(1);
        Assert.StartsWith("Version 1: active, ", Assert.Single(await HistoryItemsAsync(page)), StringComparison.Ordinal);

        // Withdraw the grant from the keyboard; the page asks first, and a "no" changes nothing.
        var dialogs = new List<string>();
        var accept = false;
        page.Dialog += async (_, dialog) =>
        {
            dialogs.Add($"{dialog.Type}: {dialog.Message}");
            await (accept ? dialog.AcceptAsync() : dialog.DismissAsync());
        };
        await grantHistory.FocusAsync();
        await page.Keyboard.PressAsync("Tab");
        await Expect(withdrawGrant).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        Assert.Equal("confirm", Assert.Single(dialogs).Split(':')[0]);
        Assert.Contains("Demo Patient App", dialogs[0], StringComparison.Ordinal);
        await Expect(withdrawGrant).ToBeEnabledAsync();
        Assert.True(await IsActiveAsync(app, accessToken));

        accept = true;
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#status")).ToHaveTextAsync("Withdrawn: the app no longer has access.");
        await Expect(grantRow.Locator("td").Nth(4)).ToHaveTextAsync("Withdrawn");
        await Expect(withdrawGrant).ToHaveCountAsync(0);
        await Expect(grantRow.GetByRole(AriaRole.Button)).ToHaveCountAsync(1);
        // Focus stays in the row that changed instead of falling back to the top of the page.
        await Expect(grantHistory).ToBeFocusedAsync();
        await Expect(networkRow.Locator("td").Nth(4)).ToHaveTextAsync("Active");

        // The open history is the grant's: it now has the withdrawal as version 2, without a reload or a second click.
        var grantVersions = (await patient.GetJsonAsync($"/api/consents/{grantId}/history")).EnumerateArray().ToList();
        Assert.Equal(2, grantVersions.Count);
        await Expect(page.Locator("#history-rows li")).ToHaveCountAsync(2);
        Assert.Equal(
            [$"Version 2: inactive, {LocalDateTime(grantVersions[0])}, by you", $"Version 1: active, {LocalDateTime(grantVersions[1])}, by you"],
            await HistoryItemsAsync(page));

        // A fresh load shows the same: the withdrawn consent is kept, marked inactive, with its history.
        await page.ReloadAsync();
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(grantRow.Locator("td").Nth(4)).ToHaveTextAsync("Withdrawn");
        await grantHistory.ClickAsync();
        await Expect(page.Locator("#history-rows li")).ToHaveCountAsync(2);

        // The app's tokens ended with its consent: introspection says inactive, refresh is refused.
        Assert.False(await IsActiveAsync(app, accessToken));
        using var refreshed = await app.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token", ["client_id"] = OAuthFlow.DemoApp, ["refresh_token"] = refreshToken,
        }));
        Assert.Equal(HttpStatusCode.BadRequest, refreshed.StatusCode);
        Assert.Equal("invalid_grant", (await refreshed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    private static ILocator Row(IPage page, string consentId) => page.Locator($"#consent-rows tr[data-consent-id='{consentId}']");

    private static async Task<string[]> HistoryItemsAsync(IPage page) =>
        // Chromium's ICU puts a narrow no-break space before AM/PM.
        [.. (await page.Locator("#history-rows li").AllInnerTextsAsync()).Select(text => text.Replace('\u202f', ' '))];

    /// <summary>A permit for the demo network (by its identifier, no display name), for treatment, created and then updated once.</summary>
    private static async Task<string> CreateNetworkConsentAsync(PatientBrowser patient, Guid patientId)
    {
        var consent = JsonNode.Parse(ConsentVectors.ForPatient(ConsentVectors.Valid("svc-permit-network-treat.json"), patientId))!;
        consent.AsObject().Remove("id");
        var provision = consent["provision"]!;
        provision["actor"]![0]!["reference"] = new JsonObject
        {
            ["identifier"] = new JsonObject { ["system"] = "urn:identityconsent:network", ["value"] = OAuthFlow.DemoResource },
        };
        provision["period"] = new JsonObject { ["start"] = "2026-01-01", ["end"] = "2030-06-30" };
        var (created, body) = await patient.SendJsonAsync("POST", "/fhir/Consent", consent.ToJsonString(), ConsentHttp.FhirJson);
        Assert.True(created == 201, body.ToString());
        var id = body.GetProperty("id").GetString()!;

        var updated = JsonNode.Parse(body.GetRawText())!;
        updated["provision"]!["purpose"]!.AsArray().Add(new JsonObject
        {
            ["system"] = "http://terminology.hl7.org/CodeSystem/v3-ActReason", ["code"] = "ETREAT", ["display"] = "emergency treatment",
        });
        var (status, answer) = await patient.SendJsonAsync("PUT", $"/fhir/Consent/{id}", updated.ToJsonString(), ConsentHttp.FhirJson, "W/\"1\"");
        Assert.True(status == 200, answer.ToString());
        return id;
    }

    /// <summary>The demo app (PKCE, loopback redirect, pushed request) and the signed-in patient allowing it on the consent screen.</summary>
    private static async Task<JsonElement> ApproveDemoAppAsync(IPage page, HttpClient app)
    {
        using var callback = new LoopbackCallback();
        var verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        using var pushed = await app.PostAsync("/connect/par", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["client_id"] = OAuthFlow.DemoApp, ["response_type"] = "code", ["redirect_uri"] = callback.RedirectUri, ["scope"] = Scope,
            ["resource"] = OAuthFlow.DemoResource, ["code_challenge"] = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))),
            ["code_challenge_method"] = "S256", ["state"] = "consent-page", ["nonce"] = "consent-page-nonce",
        }));
        Assert.Equal(HttpStatusCode.Created, pushed.StatusCode);
        var requestUri = (await pushed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("request_uri").GetString()!;

        await page.GotoAsync($"/connect/authorize?client_id={OAuthFlow.DemoApp}&request_uri={Uri.EscapeDataString(requestUri)}");
        await Expect(page.Locator("body")).ToContainTextAsync("Demo Patient App");
        await Expect(page.Locator("body")).ToContainTextAsync("Demo Health Network");
        await page.Locator("#allow").ClickAsync();
        var response = await callback.ResponseAsync(CallbackTimeout);
        await page.WaitForURLAsync($"{callback.RedirectUri}?*");
        Assert.False(response.ContainsKey("error"), response.GetValueOrDefault("error_description"));

        using var redeemed = await app.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["client_id"] = OAuthFlow.DemoApp, ["code"] = response["code"],
            ["redirect_uri"] = callback.RedirectUri, ["code_verifier"] = verifier,
        }));
        var tokens = await redeemed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(redeemed.StatusCode == HttpStatusCode.OK, tokens.ToString());
        return tokens;
    }

    /// <summary>Introspection by the demo network, the way a network asks whether a token still works.</summary>
    private static async Task<bool> IsActiveAsync(HttpClient app, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/connect/introspect")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token }),
        };
        request.Headers.Authorization = OAuthFlow.Basic(OAuthFlow.DemoNetwork, OAuthFlow.DemoNetworkSecret);
        using var response = await app.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("active").GetBoolean();
    }

    private static DateTimeOffset InPatientsZone(DateTimeOffset instant) =>
        TimeZoneInfo.ConvertTime(instant, TimeZoneInfo.FindSystemTimeZoneById(TimeZone));

    /// <summary>en-US <c>toLocaleDateString()</c>.</summary>
    private static string LocalDate(DateTimeOffset instant) => InPatientsZone(instant).ToString("M/d/yyyy", CultureInfo.InvariantCulture);

    /// <summary>en-US <c>toLocaleString()</c> of a history entry's <c>recordedAt</c>.</summary>
    private static string LocalDateTime(JsonElement version) =>
        InPatientsZone(version.GetProperty("recordedAt").GetDateTimeOffset()).ToString("M/d/yyyy, h:mm:ss tt", CultureInfo.InvariantCulture);
}
