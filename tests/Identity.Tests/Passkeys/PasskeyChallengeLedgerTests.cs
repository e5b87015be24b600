using System.Security.Cryptography;
using Identity.Api.Passkeys;
using Identity.Tests.Infrastructure;

namespace Identity.Tests.Passkeys;

public sealed class PasskeyChallengeLedgerTests
{
    [Fact]
    public async Task A_challenge_is_consumed_once_and_remembered_for_the_whole_retention()
    {
        var clock = new ShiftedTimeProvider();
        var ledger = new InMemoryPasskeyChallengeLedger(clock);
        var challenge = RandomNumberGenerator.GetBytes(32);
        var issued = clock.GetUtcNow();

        Assert.Equal(ChallengeUse.FirstUse, await ledger.TryConsumeAsync(challenge, issued));
        clock.Offset = InMemoryPasskeyChallengeLedger.Retention - TimeSpan.FromSeconds(5);
        Assert.Equal(ChallengeUse.FirstUse, await ledger.TryConsumeAsync(RandomNumberGenerator.GetBytes(32), clock.GetUtcNow()));
        Assert.Equal(ChallengeUse.AlreadyUsed, await ledger.TryConsumeAsync(challenge, issued));
    }

    [Fact]
    public async Task A_challenge_issued_before_the_ledger_started_remembering_is_refused()
    {
        var clock = new ShiftedTimeProvider();
        var issuedBeforeRestart = clock.GetUtcNow() - TimeSpan.FromSeconds(30);
        var restarted = new InMemoryPasskeyChallengeLedger(clock);

        Assert.Equal(ChallengeUse.PredatesLedger, await restarted.TryConsumeAsync(RandomNumberGenerator.GetBytes(32), issuedBeforeRestart));
    }

    [Fact]
    public async Task Different_challenges_do_not_collide()
    {
        var ledger = new InMemoryPasskeyChallengeLedger(TimeProvider.System);
        for (var i = 0; i < 1000; i++)
        {
            Assert.Equal(ChallengeUse.FirstUse, await ledger.TryConsumeAsync(RandomNumberGenerator.GetBytes(32), DateTimeOffset.UtcNow));
        }
    }
}
