using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Identity.Api.Passkeys;

/// <summary>Single-use challenges for one process (embedded mode); a cluster uses the Redis ledger instead.</summary>
public sealed class InMemoryPasskeyChallengeLedger(TimeProvider time) : IPasskeyChallengeLedger
{
    /// <summary>Longer than any ceremony state cookie lives, so a challenge is remembered for as long as it could be presented.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromMinutes(15);

    // Expired challenges are swept at most this often, so a busy ledger never scans on every call.
    private static readonly TimeSpan PurgeInterval = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, DateTimeOffset> _used = new(StringComparer.Ordinal);
    private readonly long _rememberingSinceMs = time.GetUtcNow().ToUnixTimeMilliseconds();
    private long _nextPurgeTicks;

    public ValueTask PrepareAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    public ValueTask<ChallengeUse> TryConsumeAsync(ReadOnlyMemory<byte> challenge, DateTimeOffset issuedAt, CancellationToken cancellationToken = default)
    {
        if (issuedAt.ToUnixTimeMilliseconds() < _rememberingSinceMs)
        {
            return ValueTask.FromResult(ChallengeUse.PredatesLedger);
        }
        var now = time.GetUtcNow();
        var due = Interlocked.Read(ref _nextPurgeTicks);
        if (now.UtcTicks >= due && Interlocked.CompareExchange(ref _nextPurgeTicks, (now + PurgeInterval).UtcTicks, due) == due)
        {
            foreach (var (used, expires) in _used)
            {
                if (expires <= now)
                {
                    _used.TryRemove(used, out _);
                }
            }
        }
        var key = Convert.ToHexString(SHA256.HashData(challenge.Span));
        return ValueTask.FromResult(_used.TryAdd(key, now + Retention) ? ChallengeUse.FirstUse : ChallengeUse.AlreadyUsed);
    }
}
