using System.Security.Cryptography;
using Identity.Api.Passkeys;
using StackExchange.Redis;

namespace Identity.Api.SharedState;

/// <summary>
/// Single-use challenges shared by every API instance (SET NX with an expiry, in one script with the epoch check).
/// The epoch key records when this Redis began remembering; if Redis restarts empty the epoch is new and older
/// challenges are refused, so a response captured before the restart cannot be replayed after it. When Redis cannot
/// be reached the challenge is refused with <see cref="SharedStateUnavailableException"/>: never accepted twice.
/// </summary>
public sealed class RedisPasskeyChallengeLedger(IConnectionMultiplexer redis, TimeProvider time) : IPasskeyChallengeLedger
{
    private const string KeyPrefix = "identityconsent:passkey-challenge:";
    private const string EpochKey = "identityconsent:passkey-challenge-epoch";

    // KEYS[1] epoch, KEYS[2] challenge; ARGV[1] retention ms, ARGV[2] issued-at ms, ARGV[3] now ms.
    private const string ConsumeScript = """
        local epoch = redis.call('GET', KEYS[1])
        if not epoch then
          redis.call('SET', KEYS[1], ARGV[3], 'NX')
          epoch = redis.call('GET', KEYS[1])
        end
        if tonumber(ARGV[2]) < tonumber(epoch) then return -1 end
        if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[1]) then return 1 end
        return 0
        """;

    public async ValueTask<ChallengeUse> TryConsumeAsync(ReadOnlyMemory<byte> challenge, DateTimeOffset issuedAt, CancellationToken cancellationToken = default)
    {
        var key = KeyPrefix + Convert.ToHexString(SHA256.HashData(challenge.Span));
        try
        {
            var result = (long)await redis.GetDatabase().ScriptEvaluateAsync(ConsumeScript, [EpochKey, key],
                [(long)InMemoryPasskeyChallengeLedger.Retention.TotalMilliseconds, issuedAt.ToUnixTimeMilliseconds(), time.GetUtcNow().ToUnixTimeMilliseconds()]);
            return result switch
            {
                1 => ChallengeUse.FirstUse,
                0 => ChallengeUse.AlreadyUsed,
                _ => ChallengeUse.PredatesLedger,
            };
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw new SharedStateUnavailableException("The passkey challenge could not be checked against the shared ledger.", e);
        }
    }

    /// <summary>Starts the epoch if Redis has none (new, or restarted empty), before a challenge is issued under it.</summary>
    public async ValueTask PrepareAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await redis.GetDatabase().StringSetAsync(EpochKey, time.GetUtcNow().ToUnixTimeMilliseconds(), when: When.NotExists);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw new SharedStateUnavailableException("The shared passkey challenge ledger is unavailable.", e);
        }
    }
}
