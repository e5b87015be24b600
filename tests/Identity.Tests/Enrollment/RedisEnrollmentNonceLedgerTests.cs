using System.Buffers.Text;
using System.Security.Cryptography;
using Identity.Api.Enrollment;
using Identity.Api.SharedState;
using Identity.Tests.Infrastructure;
using StackExchange.Redis;

namespace Identity.Tests.Enrollment;

/// <summary><see cref="RedisEnrollmentNonceLedger"/> against a real Redis: what one API instance spends, no other accepts.</summary>
public sealed class RedisEnrollmentNonceLedgerTests
{
    private static string NewNonce() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    private static ConfigurationOptions Options(string endpoint)
    {
        var options = ConfigurationOptions.Parse(endpoint);
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 1000;
        options.SyncTimeout = 1000;
        options.AsyncTimeout = 1000;
        options.ConnectRetry = 1;
        return options;
    }

    [Fact]
    public async Task A_nonce_is_accepted_once_across_two_ledger_instances()
    {
        await using var firstConnection = await ConnectionMultiplexer.ConnectAsync(Options(TestEnvironment.Redis));
        await using var secondConnection = await ConnectionMultiplexer.ConnectAsync(Options(TestEnvironment.Redis));
        var first = new RedisEnrollmentNonceLedger(firstConnection);
        var second = new RedisEnrollmentNonceLedger(secondConnection);
        var nonce = NewNonce();

        await first.IssueAsync(nonce, TimeSpan.FromMinutes(10));

        Assert.True(await second.TryConsumeAsync(nonce));
        Assert.False(await first.TryConsumeAsync(nonce));
        Assert.False(await second.TryConsumeAsync(nonce));
        Assert.False(await second.TryConsumeAsync(NewNonce()));
    }

    [Fact]
    public async Task Concurrent_consumers_on_two_instances_accept_a_nonce_exactly_once()
    {
        await using var firstConnection = await ConnectionMultiplexer.ConnectAsync(Options(TestEnvironment.Redis));
        await using var secondConnection = await ConnectionMultiplexer.ConnectAsync(Options(TestEnvironment.Redis));
        var ledgers = new[] { new RedisEnrollmentNonceLedger(firstConnection), new RedisEnrollmentNonceLedger(secondConnection) };
        var nonce = NewNonce();
        await ledgers[0].IssueAsync(nonce, TimeSpan.FromMinutes(10));

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => ledgers[i % 2].TryConsumeAsync(nonce)));

        Assert.Single(results, accepted => accepted);
    }

    [Fact]
    public async Task A_nonce_expires_after_its_lifetime()
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(Options(TestEnvironment.Redis));
        var ledger = new RedisEnrollmentNonceLedger(connection);
        var live = NewNonce();
        var expired = NewNonce();

        await ledger.IssueAsync(live, TimeSpan.FromMinutes(10));
        await ledger.IssueAsync(expired, TimeSpan.FromMilliseconds(300));
        // The ledger keeps no clock of its own: the lifetime is the Redis key's TTL.
        var ttl = await connection.GetDatabase().KeyTimeToLiveAsync(
            "identityconsent:enrollment-nonce:" + Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(live))));
        Assert.NotNull(ttl);
        Assert.InRange(ttl!.Value, TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(10));
        await Task.Delay(TimeSpan.FromMilliseconds(800));

        Assert.False(await ledger.TryConsumeAsync(expired));
        Assert.True(await ledger.TryConsumeAsync(live));
    }

    [Fact]
    public async Task With_Redis_down_a_nonce_is_refused_never_accepted()
    {
        await using var redis = new RedisServer();
        await redis.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(Options(redis.ConnectionString));
        var ledger = new RedisEnrollmentNonceLedger(connection);
        var nonce = NewNonce();
        await ledger.IssueAsync(nonce, TimeSpan.FromMinutes(10));

        await redis.StopAsync();

        await Assert.ThrowsAsync<SharedStateUnavailableException>(() => ledger.TryConsumeAsync(nonce));
        await Assert.ThrowsAsync<SharedStateUnavailableException>(() => ledger.IssueAsync(NewNonce(), TimeSpan.FromMinutes(10)));

        // Back, but empty: the nonce it held is gone, so the response is refused rather than accepted.
        await redis.StartAsync();
        var refused = false;
        for (var attempt = 0; attempt < 50 && !refused; attempt++)
        {
            try
            {
                refused = !await ledger.TryConsumeAsync(nonce);
            }
            catch (SharedStateUnavailableException)
            {
                await Task.Delay(200);
            }
        }
        Assert.True(refused);
    }
}
