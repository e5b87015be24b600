using Identity.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Identity.Tests.Browser;

/// <summary>
/// One Playwright driver, one headless Chromium and one running service (Kestrel on localhost) shared by a test class;
/// each test opens its own <see cref="PatientBrowser"/> (fresh context, page and virtual authenticator).
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private static readonly string[] ChromiumFlags =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    private readonly IdentityApiFactory _factory = new();
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    /// <summary><c>http://localhost:&lt;port&gt;</c>: WebAuthn refuses IP addresses as RP IDs.</summary>
    public Uri BaseUri { get; private set; } = null!;

    /// <summary>The running service's services, e.g. to record a patient's verified identity as the mDL flow would.</summary>
    public IServiceProvider Services => _factory.Services;

    public async Task InitializeAsync()
    {
        BaseUri = _factory.StartKestrel();
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = TestEnvironment.ChromiumPath,
            Headless = true,
            Args = ChromiumFlags,
            Timeout = 30_000,
        });
    }

    /// <summary>
    /// A new browser context with one page that already has a virtual authenticator, before any page script runs.
    /// <paramref name="timeZone"/> (IANA) and <paramref name="locale"/> fix how the pages format dates; null keeps the machine's.
    /// </summary>
    public async Task<PatientBrowser> OpenAsync(VirtualAuthenticatorOptions? authenticator = null, string? timeZone = null, string? locale = null)
    {
        var context = await _browser!.NewContextAsync(new() { BaseURL = BaseUri.ToString(), TimezoneId = timeZone, Locale = locale });
        try
        {
            await context.AddInitScriptAsync(PatientBrowser.RecordCredentialRequests);
            var page = await context.NewPageAsync();
            page.SetDefaultTimeout(15_000);
            page.SetDefaultNavigationTimeout(15_000);
            var cdp = await context.NewCDPSessionAsync(page);
            var device = await VirtualAuthenticator.AddAsync(cdp, authenticator ?? new VirtualAuthenticatorOptions());
            return new PatientBrowser(context, page, device);
        }
        catch
        {
            await context.CloseAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        _playwright?.Dispose();
        await _factory.DisposeAsync();
    }
}
