using System.Diagnostics;
using System.Security.Cryptography;

namespace Identity.Load;

/// <summary>The machine's single-core ES256 rates: one thread signing or verifying a JWT-sized input with one P-256 key.</summary>
internal static class SigningRates
{
    public static (double SignPerSecond, double VerifyPerSecond) Measure(TimeSpan duration)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        // About the size of a signed at+jwt header and payload (base64url).
        var input = new byte[420];
        RandomNumberGenerator.Fill(input);
        var signature = key.SignData(input, HashAlgorithmName.SHA256);
        Run(duration / 4, () => key.SignData(input, HashAlgorithmName.SHA256));
        var sign = Run(duration, () => key.SignData(input, HashAlgorithmName.SHA256));
        Run(duration / 4, () => key.VerifyData(input, signature, HashAlgorithmName.SHA256));
        var verify = Run(duration, () => key.VerifyData(input, signature, HashAlgorithmName.SHA256) ? 1 : throw new CryptographicException("verify failed"));
        return (sign, verify);
    }

    private static double Run<T>(TimeSpan duration, Func<T> operation)
    {
        var count = 0L;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            for (var i = 0; i < 64; i++)
            {
                operation();
            }
            count += 64;
        }
        return count / clock.Elapsed.TotalSeconds;
    }
}
