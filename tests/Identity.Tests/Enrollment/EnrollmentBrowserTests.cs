using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Identity.Tests.Browser;
using static Microsoft.Playwright.Assertions;

namespace Identity.Tests.Enrollment;

/// <summary>
/// Enrolment as a patient does it with `dotnet run` and a browser: landing page → /account/enroll → demo wallet →
/// passkey (CDP virtual authenticator) → signed in with a verified identity; the same licence again recovers the account.
/// </summary>
[Collection("Browser")]
public sealed class EnrollmentBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Patient_enrols_with_the_demo_wallet_registers_a_passkey_and_is_signed_in_at_ial2()
    {
        await using var patient = await browser.OpenAsync();

        var id = await EnrolAsync(patient, UniqueDocumentNumber(), expectRecovery: false);

        var me = await patient.GetJsonAsync("/api/account/me");
        Assert.Equal(id, me.GetProperty("hl7_person_identifier").GetString());
        Assert.Equal("ial2", me.GetProperty("identityAssurance").GetString());
        Assert.Contains("http://udap.org/code/auth/aal2", me.GetProperty("amr").EnumerateArray().Select(a => a.GetString()));
        await Expect(patient.Page.Locator("#account")).ToContainTextAsync("verified (IAL2)");
    }

    [Fact]
    public async Task Enrolling_the_same_licence_again_recovers_the_account_with_a_new_passkey()
    {
        var number = UniqueDocumentNumber();
        string first;
        await using (var lostDevice = await browser.OpenAsync())
        {
            first = await EnrolAsync(lostDevice, number, expectRecovery: false);
        }

        await using var newDevice = await browser.OpenAsync();
        var recovered = await EnrolAsync(newDevice, number, expectRecovery: true);

        Assert.Equal(first, recovered);
        Assert.Equal(2, (await newDevice.GetJsonAsync("/api/passkeys")).GetArrayLength());
    }

    private static async Task<string> EnrolAsync(PatientBrowser patient, string documentNumber, bool expectRecovery)
    {
        var page = patient.Page;
        await page.GotoAsync("/");
        await page.ClickAsync("a[href='/account/enroll']");
        await page.WaitForURLAsync("**/account/enroll");
        // The link gets its request once the page has started the enrolment.
        await Expect(page.Locator("#use-demo-wallet")).ToHaveAttributeAsync("href", new Regex("^/demo/wallet\\?"));
        await page.ClickAsync("#use-demo-wallet");
        await page.WaitForURLAsync(url => url.Contains("/demo/wallet?", StringComparison.Ordinal));
        await Expect(page.Locator("#share")).ToBeEnabledAsync();
        await page.FillAsync("#document-number", documentNumber);
        await page.ClickAsync("#share");
        await page.WaitForURLAsync(url => url.Contains("/account/enroll?session=", StringComparison.Ordinal));
        await Expect(page.Locator("#passkey-step")).ToBeVisibleAsync();
        if (expectRecovery)
        {
            await Expect(page.Locator("#recovery-note")).ToBeVisibleAsync();
        }
        else
        {
            await Expect(page.Locator("#recovery-note")).ToBeHiddenAsync();
        }
        await page.ClickAsync("#create-passkey");
        await patient.WaitForPasskeyListAsync();
        return (await patient.GetJsonAsync("/api/account/me")).GetProperty("hl7_person_identifier").GetString()!;
    }

    private static string UniqueDocumentNumber() => "DEMO" + Convert.ToHexString(RandomNumberGenerator.GetBytes(5));
}
