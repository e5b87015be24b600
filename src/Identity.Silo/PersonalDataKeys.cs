using Identity.Grains.Patients;
using Microsoft.Extensions.Configuration;

namespace Identity.Silo;

/// <summary>
/// The personal-data key ring patient grains seal verified identities with, for a silo running on its own: every
/// silo of a cluster needs the same <c>Enrollment:PiiKey</c> (and <c>Enrollment:PreviousPiiKeys</c>) as the API,
/// because any silo may host any patient. Without a key the grain refuses to record identities (fails closed).
/// </summary>
public static class PersonalDataKeys
{
    public static IPersonalDataProtector? FromConfiguration(IConfiguration configuration)
    {
        var current = configuration["Enrollment:PiiKey"];
        if (string.IsNullOrWhiteSpace(current))
        {
            return null;
        }
        var previous = configuration.GetSection("Enrollment:PreviousPiiKeys").Get<string[]>() ?? [];
        return new AesGcmPersonalDataProtector(Decode(current), previous.Where(k => !string.IsNullOrWhiteSpace(k)).Select(Decode));
    }

    private static byte[] Decode(string base64)
    {
        byte[] key;
        try
        {
            key = Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            throw new InvalidOperationException("Enrollment:PiiKey is not base64.");
        }
        return key.Length >= 32 ? key[..32] : throw new InvalidOperationException("Enrollment:PiiKey must hold 32 random bytes (base64).");
    }
}
