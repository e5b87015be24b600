using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Identity.Api.Passkeys.WebAuthn;

/// <summary>
/// Loaded credential public keys by the SHA-256 of their COSE bytes, so a sign-in costs one signature check, not a
/// key import plus a check. Bounded: when full, the cache is emptied (keys reload on next use).
/// </summary>
public sealed class CredentialKeyCache : IDisposable
{
    private const int Capacity = 50_000;

    private readonly ConcurrentDictionary<string, Lazy<CredentialPublicKey>> _keys = new(StringComparer.Ordinal);

    public CredentialPublicKey Get(byte[] coseKey)
    {
        var id = Convert.ToHexString(SHA256.HashData(coseKey));
        if (_keys.TryGetValue(id, out var cached))
        {
            return cached.Value;
        }
        if (_keys.Count >= Capacity)
        {
            // Keys in use by a concurrent check stay valid: the evicted instances are left to the finalizer.
            _keys.Clear();
        }
        return _keys.GetOrAdd(id, _ => new Lazy<CredentialPublicKey>(() => CredentialPublicKey.Load(CoseKey.Decode(coseKey)))).Value;
    }

    public void Dispose()
    {
        foreach (var key in _keys.Values.Where(k => k.IsValueCreated))
        {
            key.Value.Dispose();
        }
        _keys.Clear();
    }
}
