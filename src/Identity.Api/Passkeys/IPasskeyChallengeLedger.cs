namespace Identity.Api.Passkeys;

/// <summary>
/// Makes each WebAuthn challenge usable once. Identity keeps ceremony state in a cookie, so without this
/// a captured request (cookie and response together) could be replayed while the cookie lives.
/// </summary>
public interface IPasskeyChallengeLedger
{
    /// <summary>True the first time a challenge is presented; false for every later presentation.</summary>
    ValueTask<bool> TryConsumeAsync(ReadOnlyMemory<byte> challenge, CancellationToken cancellationToken = default);
}
