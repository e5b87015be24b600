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

        Assert.True(await ledger.TryConsumeAsync(challenge));
        clock.Offset = InMemoryPasskeyChallengeLedger.Retention - TimeSpan.FromSeconds(5);
        Assert.True(await ledger.TryConsumeAsync(RandomNumberGenerator.GetBytes(32)));
        Assert.False(await ledger.TryConsumeAsync(challenge));
    }

    [Fact]
    public async Task Different_challenges_do_not_collide()
    {
        var ledger = new InMemoryPasskeyChallengeLedger(TimeProvider.System);
        for (var i = 0; i < 1000; i++)
        {
            Assert.True(await ledger.TryConsumeAsync(RandomNumberGenerator.GetBytes(32)));
        }
    }
}
