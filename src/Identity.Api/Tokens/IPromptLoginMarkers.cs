namespace Identity.Api.Tokens;

/// <summary>
/// Remembers when an authorization request sent the patient to sign in again (prompt=login, max_age, login_hint), so the
/// same request, coming back after the sign-in, is satisfied by any sign-in made since then instead of looping. Keyed by
/// the request_uri, which names one authorization request; kept as long as a request_uri lives. In memory on one
/// instance, in Redis across a cluster, since the patient may come back to another instance.
/// </summary>
public interface IPromptLoginMarkers
{
    static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(15);

    ValueTask StartAsync(string requestKey, DateTimeOffset now);

    ValueTask<bool> IsSatisfiedByAsync(string requestKey, DateTimeOffset authTime);

    /// <summary>A sign-in counts if it happened after the patient was sent to sign in (auth_time has whole seconds).</summary>
    static bool Satisfies(DateTimeOffset started, DateTimeOffset authTime) => authTime >= started.AddSeconds(-1);
}
