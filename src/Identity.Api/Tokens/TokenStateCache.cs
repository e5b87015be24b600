using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using OpenIddict.EntityFrameworkCore.Models;

namespace Identity.Api.Tokens;

/// <summary>
/// Remembers, for at most <see cref="TokenSettings.ValidityCacheMilliseconds"/>, which access token entries and which
/// authorizations this instance has just read as valid, so introspection and bearer validation (token entry validation
/// stays on, GHSA-cxgj-hwwh-855g) do not read the store for every request about the same token. Only "valid" is
/// remembered, and only for access tokens, whose status changes by revocation alone: codes and refresh tokens, which
/// are redeemed, are always read. Every change the stores make is reported to <see cref="Forget"/> after it committed
/// (<see cref="TokenEntryStore"/>, <see cref="AuthorizationEntryStore"/>), here and on every other instance
/// (<see cref="ITokenStateFanOut"/>). A read that started before a change never re-populates the cache after it: each
/// change advances an epoch, and a result is remembered only if the epoch it was read under is still current.
/// Registered clients are remembered the same way (<see cref="ApplicationEntryStore"/>): every client authentication
/// looks its client up, and any change to any client makes every instance forget them all.
/// </summary>
public sealed class TokenStateCache(TokenSettings settings, TimeProvider time)
{
    private const int MaximumEntries = 200_000;

    private readonly ConcurrentDictionary<string, (DateTimeOffset Until, TokenEntrySnapshot Value)> _validTokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (DateTimeOffset Until, bool Value)> _validAuthorizations = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (DateTimeOffset Until, OpenIddictEntityFrameworkCoreApplication Value)> _clients = new(StringComparer.Ordinal);
    private readonly TimeSpan _lifetime = TimeSpan.FromMilliseconds(Math.Max(0, settings.ValidityCacheMilliseconds));
    private long _epoch;
    private volatile bool _suspended;

    public bool Enabled => _lifetime > TimeSpan.Zero && !_suspended;

    /// <summary>Read before going to the store; pass to <see cref="RememberValidToken"/> or <see cref="RememberValidAuthorization"/>.</summary>
    public long Epoch => Interlocked.Read(ref _epoch);

    /// <summary>The entry of an access token read as valid moments ago, with what the store said about it.</summary>
    public bool TryGetValidToken(string tokenId, [NotNullWhen(true)] out TokenEntrySnapshot? entry) => TryGetFresh(_validTokens, tokenId, out entry);

    public bool IsValidAuthorization(string authorizationId) => TryGetFresh(_validAuthorizations, authorizationId, out _);

    /// <summary>A client read moments ago; the caller must not change it (hand out copies).</summary>
    public bool TryGetClient(string clientId, [NotNullWhen(true)] out OpenIddictEntityFrameworkCoreApplication? client) =>
        TryGetFresh(_clients, clientId, out client);

    public void RememberClient(string clientId, OpenIddictEntityFrameworkCoreApplication client, long epoch) => Remember(_clients, clientId, client, epoch);

    public void RememberValidToken(string tokenId, TokenEntrySnapshot entry, long epoch) => Remember(_validTokens, tokenId, entry, epoch);

    public void RememberValidAuthorization(string authorizationId, long epoch) => Remember(_validAuthorizations, authorizationId, true, epoch);

    /// <summary>Drops what a change may have made stale: one token, one authorization, or everything.</summary>
    public void Forget(TokenStateChange change)
    {
        Interlocked.Increment(ref _epoch);
        switch (change.Kind)
        {
            case TokenStateChangeKind.Token:
                _validTokens.TryRemove(change.Id!, out _);
                break;
            case TokenStateChangeKind.Authorization:
                _validAuthorizations.TryRemove(change.Id!, out _);
                break;
            default:
                _validTokens.Clear();
                _validAuthorizations.Clear();
                _clients.Clear();
                break;
        }
    }

    /// <summary>
    /// While changes from other instances cannot be heard (Redis unreachable) nothing is remembered and nothing is
    /// answered from memory; everything is forgotten when that starts and again when it ends.
    /// </summary>
    public void Suspend(bool suspended)
    {
        _suspended = suspended;
        Forget(TokenStateChange.Everything);
    }

    private bool TryGetFresh<T>(ConcurrentDictionary<string, (DateTimeOffset Until, T Value)> entries, string id, [MaybeNullWhen(false)] out T value)
    {
        if (Enabled && entries.TryGetValue(id, out var cached) && time.GetUtcNow() < cached.Until)
        {
            value = cached.Value;
            return true;
        }
        value = default;
        return false;
    }

    private void Remember<T>(ConcurrentDictionary<string, (DateTimeOffset Until, T Value)> entries, string id, T value, long epoch)
    {
        if (!Enabled)
        {
            return;
        }
        if (entries.Count >= MaximumEntries)
        {
            entries.Clear();
        }
        entries[id] = (time.GetUtcNow() + _lifetime, value);
        // A change that landed while this was being written must win: undo if the epoch moved.
        if (Epoch != epoch)
        {
            entries.TryRemove(id, out _);
        }
    }
}
