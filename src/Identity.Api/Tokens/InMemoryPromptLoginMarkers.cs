using Microsoft.Extensions.Caching.Memory;

namespace Identity.Api.Tokens;

/// <summary>One instance (embedded mode): the markers live in this process's memory cache.</summary>
public sealed class InMemoryPromptLoginMarkers(IMemoryCache cache) : IPromptLoginMarkers
{
    public ValueTask StartAsync(string requestKey, DateTimeOffset now)
    {
        cache.Set(Key(requestKey), now, IPromptLoginMarkers.Lifetime);
        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> IsSatisfiedByAsync(string requestKey, DateTimeOffset authTime) =>
        ValueTask.FromResult(cache.TryGetValue(Key(requestKey), out DateTimeOffset started) && IPromptLoginMarkers.Satisfies(started, authTime));

    private static string Key(string requestKey) => $"prompt-login:{requestKey}";
}
