namespace Identity.Api.Passkeys;

/// <summary>
/// Makes each WebAuthn challenge usable once. Identity keeps ceremony state in a cookie, so without this
/// a captured request (cookie and response together) could be replayed while the cookie lives. A ledger can vouch
/// only for challenges issued while it has been remembering: ones issued before it started (a restarted process,
/// a Redis that lost its data) are refused too.
/// </summary>
public interface IPasskeyChallengeLedger
{
    /// <summary>Called before a challenge is issued, so the ledger's memory covers it from the start.</summary>
    ValueTask PrepareAsync(CancellationToken cancellationToken = default);

    ValueTask<ChallengeUse> TryConsumeAsync(ReadOnlyMemory<byte> challenge, DateTimeOffset issuedAt, CancellationToken cancellationToken = default);
}

/// <summary>What the ledger says about a presented challenge; only <see cref="FirstUse"/> may proceed.</summary>
public enum ChallengeUse
{
    FirstUse,
    AlreadyUsed,
    /// <summary>Issued before the ledger's memory began, so a use before now cannot be ruled out.</summary>
    PredatesLedger,
}
