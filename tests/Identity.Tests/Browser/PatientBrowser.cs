using System.Text.Json;
using Microsoft.Playwright;

namespace Identity.Tests.Browser;

/// <summary>One patient's browser: its own context (cookies), one page and the virtual authenticator of that page.</summary>
public sealed class PatientBrowser(IBrowserContext context, IPage page, VirtualAuthenticator authenticator) : IAsyncDisposable
{
    /// <summary>Bounds every in-page script: a WebAuthn call without an authenticator waits for a user forever.</summary>
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Page script that notes each <c>navigator.credentials.get</c> call's mediation before passing it on, so a test can
    /// wait until the sign-in page's autofill request is really open (the options fetch comes first).
    /// </summary>
    public const string RecordCredentialRequests =
        """
        (() => {
          const get = navigator.credentials.get;
          window.credentialRequests = [];
          navigator.credentials.get = function (options) {
            window.credentialRequests.push(options?.mediation ?? "optional");
            return get.call(this, options);
          };
        })();
        """;

    public IPage Page { get; } = page;

    public VirtualAuthenticator Authenticator { get; private set; } = authenticator;

    /// <summary>The patient continues on another device: the page's authenticator is replaced by an empty one.</summary>
    public async Task SwitchToAnotherDeviceAsync(VirtualAuthenticatorOptions? options = null) =>
        Authenticator = await Authenticator.ReplaceAsync(options ?? new VirtualAuthenticatorOptions());

    /// <summary>Creates an account with a passkey on the register page and waits for the passkey list.</summary>
    public async Task RegisterAsync(string nickname = "Test patient")
    {
        await Page.GotoAsync("/account/register");
        await Page.FillAsync("#nickname", nickname);
        await Page.ClickAsync("#add-passkey");
        await WaitForPasskeyListAsync();
        await Page.Locator("#passkey-rows tr").First.WaitForAsync();
    }

    /// <summary>Waits for the page to reach the passkey list; on timeout the failure names the page and its status line.</summary>
    public async Task WaitForPasskeyListAsync()
    {
        try
        {
            await Page.WaitForURLAsync("**/account/passkeys");
        }
        catch (TimeoutException timeout)
        {
            var status = await Page.Locator("#status").TextContentAsync(new() { Timeout = 1_000 });
            throw new InvalidOperationException($"Did not reach the passkey list: still on {Page.Url}, status '{status}'.", timeout);
        }
    }

    /// <summary>
    /// Signs out from the passkey list and waits on the sign-in page until its autofill (conditional) request is open.
    /// A virtual authenticator answers a conditional request at once (no suggestion to pick), which would sign the
    /// patient straight back in; without presence it leaves the request open, like a patient who ignores the suggestion.
    /// </summary>
    public async Task SignOutAsync()
    {
        await Authenticator.SetAutomaticPresenceSimulationAsync(false);
        // A sign-in that just finished may still be navigating; click on the settled page, not the one being replaced.
        await Page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await Page.ClickAsync("#sign-out");
        await Page.WaitForURLAsync("**/account/signin");
        await Page.WaitForFunctionAsync("() => window.credentialRequests?.includes('conditional')");
    }

    /// <summary>Modal sign-in: the button aborts the open autofill request and asks for a passkey; the device answers.</summary>
    public async Task ClickSignInWithPasskeyAsync()
    {
        await Authenticator.SetAutomaticPresenceSimulationAsync(true);
        await Page.ClickAsync("#sign-in-with-passkey");
    }

    /// <summary>Autofill sign-in: the sign-in page's conditional request, answered by the device as soon as the page loads.</summary>
    public async Task OpenSignInPageWithAutofillAsync()
    {
        await Authenticator.SetAutomaticPresenceSimulationAsync(true);
        await Page.GotoAsync("/account/signin");
    }

    /// <summary>GET from inside the page, so the session cookie and Origin are the browser's own.</summary>
    public async Task<JsonElement> GetJsonAsync(string path)
    {
        var result = await Page.EvaluateAsync<JsonElement>(
            """
            async (path) => {
              const response = await fetch(path, { credentials: "same-origin" });
              return { status: response.status, body: response.ok ? await response.json() : await response.text() };
            }
            """,
            path).WaitAsync(ScriptTimeout);
        Assert.True(result.GetProperty("status").GetInt32() == 200, $"GET {path} answered {result}");
        return result.GetProperty("body");
    }

    /// <summary>A request with a body from inside the page (session cookie, Origin and Sec-Fetch-Site are the browser's own).</summary>
    public async Task<(int Status, JsonElement Body)> SendJsonAsync(string method, string path, string json, string contentType = "application/json",
        string? ifMatch = null)
    {
        var result = await Page.EvaluateAsync<JsonElement>(
            """
            async ([method, path, body, contentType, ifMatch]) => {
              const headers = { "Content-Type": contentType, "Accept": contentType };
              if (ifMatch) headers["If-Match"] = ifMatch;
              const response = await fetch(path, { method, headers, body, credentials: "same-origin" });
              return { status: response.status, text: await response.text() };
            }
            """,
            new[] { method, path, json, contentType, ifMatch }).WaitAsync(ScriptTimeout);
        // The body is parsed here, not by Playwright, whose result objects carry its own "$id" reference members.
        var text = result.GetProperty("text").GetString()!;
        return (result.GetProperty("status").GetInt32(), text.Length > 0 ? JsonDocument.Parse(text).RootElement.Clone() : default);
    }

    public async ValueTask DisposeAsync() => await context.CloseAsync();
}
