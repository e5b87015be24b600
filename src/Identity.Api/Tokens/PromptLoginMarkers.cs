using Microsoft.Extensions.Caching.Memory;

namespace Identity.Api.Tokens;

/// <summary>
/// Remembers when an authorization request sent the patient to sign in again (prompt=login, max_age, login_hint), so the
/// same request, coming back after the sign-in, is satisfied by any sign-in made since then instead of looping.
/// Keyed by the request_uri, which names one authorization request; kept as long as a request_uri lives.
/// </summary>
public sealed class PromptLoginMarkers(IMemoryCache cache)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(15);

    public void Start(string requestKey, DateTimeOffset now) => cache.Set(Key(requestKey), now, Lifetime);

    public bool IsSatisfiedBy(string requestKey, DateTimeOffset authTime) =>
        cache.TryGetValue(Key(requestKey), out DateTimeOffset started) && authTime >= started.AddSeconds(-1);

    private static string Key(string requestKey) => $"prompt-login:{requestKey}";
}
