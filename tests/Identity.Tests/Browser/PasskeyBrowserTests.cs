using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Identity.Tests.Browser;

/// <summary>The account pages in headless Chromium with a CDP virtual authenticator as the patient's device.</summary>
[Collection("Browser")]
public sealed class PasskeyBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const string Aal2 = "http://udap.org/code/auth/aal2";

    [Fact]
    public async Task Patient_registers_a_passkey_signs_out_and_signs_in_with_modal_and_conditional_ui()
    {
        await using var patient = await browser.OpenAsync();
        var page = patient.Page;

        await patient.RegisterAsync("Alice's phone");

        var credential = Assert.Single(await patient.Authenticator.GetCredentialsAsync());
        Assert.True(credential.IsResidentCredential);
        Assert.Equal("localhost", credential.RpId);
        Assert.Equal(1, credential.SignCount);
        Assert.Equal(credential.CredentialIdBase64Url, await page.Locator("#passkey-rows tr").GetAttributeAsync("data-passkey-id"));

        // The sign-in page's autofill request is open when the button is clicked; the button aborts it and signs in modally.
        await patient.SignOutAsync();
        await patient.ClickSignInWithPasskeyAsync();
        await patient.WaitForPasskeyListAsync();

        var amr = Amr(await patient.GetJsonAsync("/api/account/me"));
        Assert.Contains("hwk", amr);
        Assert.Contains(Aal2, amr);

        await patient.SignOutAsync();
        await patient.OpenSignInPageWithAutofillAsync();
        await patient.WaitForPasskeyListAsync();

        Assert.Contains(Aal2, Amr(await patient.GetJsonAsync("/api/account/me")));
        Assert.Equal(3, Assert.Single(await patient.Authenticator.GetCredentialsAsync()).SignCount);
    }

    [Fact]
    public async Task Synced_passkey_is_recorded_as_backup_eligible_and_backed_up()
    {
        await using var patient = await browser.OpenAsync(new VirtualAuthenticatorOptions { Synced = true });

        await patient.RegisterAsync();

        var credential = Assert.Single(await patient.Authenticator.GetCredentialsAsync());
        Assert.True(credential.BackupEligibility && credential.BackupState);
        var passkey = Assert.Single((await patient.GetJsonAsync("/api/passkeys")).EnumerateArray());
        Assert.Equal(credential.CredentialIdBase64Url, passkey.GetProperty("id").GetString());
        Assert.True(passkey.GetProperty("synced").GetBoolean());
        Assert.True(passkey.GetProperty("backedUp").GetBoolean());
        await Expect(patient.Page.Locator("#passkey-rows tr")).ToContainTextAsync("Synced passkey");
        var amr = Amr(await patient.GetJsonAsync("/api/account/me"));
        Assert.Contains("swk", amr);
        Assert.DoesNotContain("hwk", amr);
    }

    [Fact]
    public async Task Second_passkey_can_be_added_renamed_and_the_last_one_cannot_be_removed()
    {
        await using var patient = await browser.OpenAsync();
        var page = patient.Page;
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync(dialog.Type == DialogType.Prompt ? "Work laptop" : null);
        await patient.RegisterAsync();

        // The add options exclude the first device's credential (InvalidStateError there), and Chromium allows one
        // internal authenticator per page: the second passkey comes from a fresh device that replaces the first.
        await patient.SwitchToAnotherDeviceAsync();
        await page.ClickAsync("#add-another-passkey");
        var rows = page.Locator("#passkey-rows tr");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(page.Locator("#status")).Not.ToHaveClassAsync("status error");

        var second = page.Locator($"#passkey-rows tr[data-passkey-id='{Assert.Single(await patient.Authenticator.GetCredentialsAsync()).CredentialIdBase64Url}']");
        await second.Locator("button.rename").ClickAsync();
        await Expect(second).ToContainTextAsync("Work laptop");

        var firstId = await rows.Nth(0).GetAttributeAsync("data-passkey-id");
        var first = page.Locator($"#passkey-rows tr[data-passkey-id='{firstId}']");
        await first.Locator("button.remove").ClickAsync();
        await Expect(first).ToHaveClassAsync("removed");
        await Expect(first.Locator("button")).ToHaveCountAsync(0);

        await second.Locator("button.remove").ClickAsync();
        await Expect(page.Locator("#status")).ToHaveClassAsync("status error");
        await Expect(page.Locator("#status")).ToContainTextAsync("only passkey");
        await Expect(second).Not.ToHaveClassAsync("removed");
    }

    [Fact]
    public async Task Failed_user_verification_is_reported_on_the_page()
    {
        await using var patient = await browser.OpenAsync();
        var page = patient.Page;
        await patient.RegisterAsync();
        await patient.SignOutAsync();

        // Chromium ends the ceremony with NotAllowedError instead of sending UV=0 to the server.
        await patient.Authenticator.SetUserVerifiedAsync(false);
        await patient.ClickSignInWithPasskeyAsync();

        await Expect(page.Locator("#status")).ToHaveClassAsync("status error");
        Assert.EndsWith("/account/signin", page.Url, StringComparison.Ordinal);
        Assert.Equal(401, await page.EvaluateAsync<int>("async () => (await fetch('/api/account/me')).status").WaitAsync(TimeSpan.FromSeconds(15)));
    }

    private static string[] Amr(JsonElement account) =>
        [.. account.GetProperty("amr").EnumerateArray().Select(value => value.GetString()!)];
}
