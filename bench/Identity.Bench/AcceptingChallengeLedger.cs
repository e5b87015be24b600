using Identity.Api.Passkeys;

namespace Identity.Bench;

/// <summary>
/// Bench only: accepts every challenge, so a pool of signed assertions can be verified again and again.
/// The production ledger's own cost is measured apart in <see cref="ChallengeLedgerBenchmarks"/>.
/// </summary>
public sealed class AcceptingChallengeLedger : IPasskeyChallengeLedger
{
    public ValueTask PrepareAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    public ValueTask<ChallengeUse> TryConsumeAsync(ReadOnlyMemory<byte> challenge, DateTimeOffset issuedAt, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(ChallengeUse.FirstUse);
}
