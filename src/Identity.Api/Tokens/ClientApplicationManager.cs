using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Core;
using OpenIddict.EntityFrameworkCore.Models;

namespace Identity.Api.Tokens;

/// <summary>
/// OpenIddict's application manager with a fast check for generated client secrets.
/// PBKDF2 (OpenIddict's default, ~2.7 ms per check) exists to slow down guessing of human-chosen passwords; a secret of
/// at least 256 random bits cannot be guessed however fast the hash is, so such secrets are stored as a SHA-256 digest
/// and compared in constant time. Shorter secrets keep PBKDF2.
/// </summary>
public sealed class ClientApplicationManager(
    IOpenIddictApplicationCache<OpenIddictEntityFrameworkCoreApplication> cache,
    ILogger<OpenIddictApplicationManager<OpenIddictEntityFrameworkCoreApplication>> logger,
    IOptionsMonitor<OpenIddictCoreOptions> options,
    IOpenIddictApplicationStore<OpenIddictEntityFrameworkCoreApplication> store)
    : OpenIddictApplicationManager<OpenIddictEntityFrameworkCoreApplication>(cache, logger, options, store)
{
    /// <summary>43 base64url characters carry 256 bits; secrets at least this long are treated as generated.</summary>
    public const int HighEntropySecretLength = 43;

    private const string DigestPrefix = "$sha256$";

    protected override ValueTask<string> ObfuscateClientSecretAsync(string secret, CancellationToken cancellationToken = default) =>
        secret.Length >= HighEntropySecretLength
            ? ValueTask.FromResult(DigestPrefix + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(secret))))
            : base.ObfuscateClientSecretAsync(secret, cancellationToken);

    protected override ValueTask<bool> ValidateClientSecretAsync(string secret, string comparand, CancellationToken cancellationToken = default)
    {
        if (!comparand.StartsWith(DigestPrefix, StringComparison.Ordinal))
        {
            return base.ValidateClientSecretAsync(secret, comparand, cancellationToken);
        }
        var expected = Convert.FromBase64String(comparand[DigestPrefix.Length..]);
        var actual = SHA256.HashData(Encoding.UTF8.GetBytes(secret));
        return ValueTask.FromResult(CryptographicOperations.FixedTimeEquals(expected, actual));
    }
}
