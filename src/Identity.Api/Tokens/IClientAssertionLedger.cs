namespace Identity.Api.Tokens;

/// <summary>Remembers which client assertions (issuer and <c>jti</c>) were used, until they expire (RFC 7523 §3, single use).</summary>
public interface IClientAssertionLedger
{
    /// <summary>True the first time <paramref name="key"/> is presented; false for any later use before <paramref name="forgetAfter"/>.</summary>
    ValueTask<bool> TryUseAsync(string key, DateTimeOffset forgetAfter);
}
