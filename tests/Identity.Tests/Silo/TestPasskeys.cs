using System.Security.Cryptography;
using Identity.Grains.Passkeys;

namespace Identity.Tests.Silo;

internal static class TestPasskeys
{
    public static PasskeyRecord New() => new()
    {
        CredentialId = RandomNumberGenerator.GetBytes(32),
        PublicKeyCose = RandomNumberGenerator.GetBytes(77),
        Algorithm = -7,
        Name = "Test passkey",
        CreatedAt = DateTimeOffset.UtcNow,
        SignCount = 0,
        Transports = ["internal", "hybrid"],
        IsUserVerified = true,
        IsBackupEligible = true,
        IsBackedUp = true,
        Aaguid = Guid.NewGuid(),
    };
}
