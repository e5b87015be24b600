using System.Security.Cryptography;
using Identity.Api.Passkeys;
using StackExchange.Redis;

namespace Identity.Api.SharedState;

/// <summary>
/// Single-use challenges shared by every API instance (SET NX with an expiry). When Redis cannot be reached the
/// challenge is refused with <see cref="SharedStateUnavailableException"/>: never accepted twice.
/// </summary>
public sealed class RedisPasskeyChallengeLedger(IConnectionMultiplexer redis) : IPasskeyChallengeLedger
{
    private const string KeyPrefix = "identityconsent:passkey-challenge:";

    public async ValueTask<bool> TryConsumeAsync(ReadOnlyMemory<byte> challenge, CancellationToken cancellationToken = default)
    {
        var key = KeyPrefix + Convert.ToHexString(SHA256.HashData(challenge.Span));
        try
        {
            return await redis.GetDatabase().StringSetAsync(key, 1, InMemoryPasskeyChallengeLedger.Retention, When.NotExists);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw new SharedStateUnavailableException("The passkey challenge could not be checked against the shared ledger.", e);
        }
    }
}
