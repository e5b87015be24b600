using System.Security.Cryptography;
using System.Text;
using Identity.Api.SharedState;
using StackExchange.Redis;

namespace Identity.Api.Enrollment;

/// <summary>
/// Nonces shared by every API instance: issued with SET (expiry = the request lifetime), spent with GETDEL, so exactly
/// one instance can accept a response. When Redis cannot be reached the response is refused, never accepted twice.
/// </summary>
public sealed class RedisEnrollmentNonceLedger(IConnectionMultiplexer redis) : IEnrollmentNonceLedger
{
    private const string KeyPrefix = "identityconsent:enrollment-nonce:";

    public async Task IssueAsync(string nonce, TimeSpan lifetime, CancellationToken cancellationToken = default)
    {
        try
        {
            await redis.GetDatabase().StringSetAsync(Key(nonce), 1, lifetime, When.NotExists);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw new SharedStateUnavailableException("The enrolment nonce could not be stored in the shared ledger.", e);
        }
    }

    public async Task<bool> TryConsumeAsync(string nonce, CancellationToken cancellationToken = default)
    {
        try
        {
            return !(await redis.GetDatabase().StringGetDeleteAsync(Key(nonce))).IsNull;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw new SharedStateUnavailableException("The enrolment nonce could not be checked against the shared ledger.", e);
        }
    }

    // Hashed, so the ledger holds no usable nonce.
    private static string Key(string nonce) => KeyPrefix + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(nonce)));
}
