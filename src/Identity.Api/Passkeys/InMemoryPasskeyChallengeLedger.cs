using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Identity.Api.Passkeys;

/// <summary>Single-use challenges for one process (embedded mode); a cluster uses a shared store instead.</summary>
public sealed class InMemoryPasskeyChallengeLedger(TimeProvider time) : IPasskeyChallengeLedger
{
    /// <summary>Longer than any ceremony state cookie lives, so a challenge is remembered for as long as it could be presented.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromMinutes(15);

    private const int PurgeThreshold = 10_000;

    private readonly ConcurrentDictionary<string, DateTimeOffset> _used = new(StringComparer.Ordinal);

    public ValueTask<bool> TryConsumeAsync(ReadOnlyMemory<byte> challenge, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        if (_used.Count > PurgeThreshold)
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
        return ValueTask.FromResult(_used.TryAdd(key, now + Retention));
    }
}
