using Microsoft.Playwright;

namespace Identity.Tests.Browser;

/// <summary>A CDP virtual authenticator attached to one page (it does not follow the user to other pages or contexts).</summary>
public sealed class VirtualAuthenticator
{
    private readonly ICDPSession _cdp;

    private VirtualAuthenticator(ICDPSession cdp, string id)
    {
        _cdp = cdp;
        Id = id;
    }

    public string Id { get; }

    public static async Task<VirtualAuthenticator> AddAsync(ICDPSession cdp, VirtualAuthenticatorOptions options)
    {
        await cdp.SendAsync("WebAuthn.enable", new() { ["enableUI"] = false });
        var added = await cdp.SendAsync("WebAuthn.addVirtualAuthenticator", new() { ["options"] = options.ToCdp() });
        return new VirtualAuthenticator(cdp, added!.Value.GetProperty("authenticatorId").GetString()!);
    }

    /// <summary>
    /// Removes this authenticator (and its credentials) and adds an empty one to the same page, as if the patient
    /// switched to a second device; Chromium allows only one internal authenticator per page.
    /// </summary>
    public async Task<VirtualAuthenticator> ReplaceAsync(VirtualAuthenticatorOptions options)
    {
        await RemoveAsync();
        return await AddAsync(_cdp, options);
    }

    public async Task<IReadOnlyList<StoredCredential>> GetCredentialsAsync()
    {
        var result = await _cdp.SendAsync("WebAuthn.getCredentials", new() { ["authenticatorId"] = Id });
        return [.. result!.Value.GetProperty("credentials").EnumerateArray().Select(StoredCredential.From)];
    }

    /// <summary>With <c>false</c> the next ceremony fails user verification; Chromium then rejects it with NotAllowedError.</summary>
    public Task SetUserVerifiedAsync(bool verified) =>
        _cdp.SendAsync("WebAuthn.setUserVerified", new() { ["authenticatorId"] = Id, ["isUserVerified"] = verified });

    public Task RemoveAsync() =>
        _cdp.SendAsync("WebAuthn.removeVirtualAuthenticator", new() { ["authenticatorId"] = Id });

    public Task SetAutomaticPresenceSimulationAsync(bool enabled) =>
        _cdp.SendAsync("WebAuthn.setAutomaticPresenceSimulation", new() { ["authenticatorId"] = Id, ["enabled"] = enabled });
}
