using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace Identity.Api.Tokens;

/// <summary>
/// The ES256 (P-256) keys that sign tokens: the first signs, the rest are only published so tokens they signed stay
/// verifiable (rotation: add the new key first, keep the old one until its longest-lived token has expired).
/// </summary>
public static class SigningKeyRing
{
    public const string DevelopmentKeyFileName = "token-signing-key.pem";

    public static IReadOnlyList<ECDsaSecurityKey> Load(TokenSettings settings, IHostEnvironment environment, string dataFolder)
    {
        var configured = settings.SigningKeys.Where(k => !string.IsNullOrWhiteSpace(k)).Select(Parse).ToList();
        if (configured.Count > 0)
        {
            return configured;
        }
        if (!environment.IsDevelopment())
        {
            throw new InvalidOperationException(
                "Tokens:SigningKeys is empty: configure at least one ES256 (P-256) private key as PEM or JWK (environment variable Tokens__SigningKeys__0).");
        }
        return [DevelopmentKey(Path.Combine(dataFolder, DevelopmentKeyFileName))];
    }

    public const string DevelopmentEncryptionKeyFileName = "token-encryption.key";

    /// <summary>
    /// The AES-256 key for OpenIddict's server-only tokens (codes, refresh and request tokens), shared by every API process
    /// and kept across restarts (<c>Tokens:EncryptionKey</c>, 32 bytes base64); generated beside the data in Development.
    /// </summary>
    public static SymmetricSecurityKey EncryptionKey(string? configured, IHostEnvironment environment, string dataFolder)
    {
        if (string.IsNullOrWhiteSpace(configured))
        {
            if (!environment.IsDevelopment())
            {
                throw new InvalidOperationException("Tokens:EncryptionKey is not set: give 32 random bytes as base64 (Tokens__EncryptionKey).");
            }
            var path = Path.Combine(dataFolder, DevelopmentEncryptionKeyFileName);
            if (!File.Exists(path))
            {
                Directory.CreateDirectory(dataFolder);
                File.WriteAllText(path, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
            }
            configured = File.ReadAllText(path).Trim();
        }
        var bytes = Convert.FromBase64String(configured);
        return bytes.Length == 32 ? new SymmetricSecurityKey(bytes)
            : throw new InvalidOperationException("Tokens:EncryptionKey must be exactly 32 bytes (base64).");
    }

    /// <summary>A PEM (<c>EC PRIVATE KEY</c> or PKCS#8) or a private JWK with <c>kty</c> EC and <c>crv</c> P-256.</summary>
    public static ECDsaSecurityKey Parse(string text)
    {
        var ecdsa = ECDsa.Create();
        var trimmed = text.Trim();
        if (trimmed.StartsWith('{'))
        {
            var jwk = new JsonWebKey(trimmed);
            if (jwk.Kty != JsonWebAlgorithmsKeyTypes.EllipticCurve || jwk.Crv != JsonWebKeyECTypes.P256 || string.IsNullOrEmpty(jwk.D))
            {
                throw new InvalidOperationException("A signing JWK must be a private EC key on P-256 (kty EC, crv P-256, d present).");
            }
            ecdsa.ImportParameters(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                D = Base64UrlEncoder.DecodeBytes(jwk.D),
                Q = new ECPoint { X = Base64UrlEncoder.DecodeBytes(jwk.X), Y = Base64UrlEncoder.DecodeBytes(jwk.Y) },
            });
        }
        else
        {
            ecdsa.ImportFromPem(trimmed);
        }
        if (ecdsa.KeySize != 256)
        {
            throw new InvalidOperationException("Signing keys must be ES256 keys on P-256.");
        }
        return WithKeyId(ecdsa);
    }

    /// <summary>Generated once and kept beside the embedded data so tokens survive restarts; Development only.</summary>
    private static ECDsaSecurityKey DevelopmentKey(string path)
    {
        if (File.Exists(path))
        {
            return Parse(File.ReadAllText(path));
        }
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var pem = ecdsa.ExportPkcs8PrivateKeyPem();
        File.WriteAllText(path, pem);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return Parse(pem);
    }

    // The kid is the RFC 7638 thumbprint, so a key keeps its id wherever it is configured.
    private static ECDsaSecurityKey WithKeyId(ECDsa ecdsa)
    {
        var key = new ECDsaSecurityKey(ecdsa);
        key.KeyId = Base64UrlEncoder.Encode(JsonWebKeyConverter.ConvertFromECDsaSecurityKey(key).ComputeJwkThumbprint());
        return key;
    }
}
