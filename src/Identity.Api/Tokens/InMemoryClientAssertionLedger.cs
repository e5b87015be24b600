using System.Collections.Concurrent;

namespace Identity.Api.Tokens;

/// <summary>One instance (embedded mode): used assertions kept in memory, swept at most every 30 seconds.</summary>
public sealed class InMemoryClientAssertionLedger(TimeProvider time) : IClientAssertionLedger
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);
    private long _lastSweep;

    public ValueTask<bool> TryUseAsync(string key, DateTimeOffset forgetAfter)
    {
        Sweep(time.GetUtcNow());
        return ValueTask.FromResult(_seen.TryAdd(key, forgetAfter));
    }

    private void Sweep(DateTimeOffset now)
    {
        var last = Interlocked.Read(ref _lastSweep);
        if (now.ToUnixTimeSeconds() - last < 30 || Interlocked.CompareExchange(ref _lastSweep, now.ToUnixTimeSeconds(), last) != last)
        {
            return;
        }
        foreach (var (key, expiry) in _seen)
        {
            if (expiry < now)
            {
                _seen.TryRemove(key, out _);
            }
        }
    }
}
