using System.Collections.Concurrent;

namespace Identity.Api.Enrollment;

public sealed class InMemoryEnrollmentNonceLedger(TimeProvider time) : IEnrollmentNonceLedger
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _issued = new(StringComparer.Ordinal);

    public Task IssueAsync(string nonce, TimeSpan lifetime, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        foreach (var (key, expires) in _issued)
        {
            if (expires < now)
            {
                _issued.TryRemove(key, out _);
            }
        }
        _issued[nonce] = now + lifetime;
        return Task.CompletedTask;
    }

    public Task<bool> TryConsumeAsync(string nonce, CancellationToken cancellationToken = default) =>
        Task.FromResult(_issued.TryRemove(nonce, out var expires) && time.GetUtcNow() <= expires);
}
