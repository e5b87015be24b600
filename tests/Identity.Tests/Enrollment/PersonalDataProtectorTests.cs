using System.Security.Cryptography;
using Identity.Grains.Patients;

namespace Identity.Tests.Enrollment;

public sealed class PersonalDataProtectorTests
{
    private static readonly Guid Patient = Guid.NewGuid();

    [Fact]
    public void Sealed_data_opens_only_for_its_patient()
    {
        var protector = new AesGcmPersonalDataProtector(RandomNumberGenerator.GetBytes(32));
        var sealedData = protector.Protect("Alex"u8, Patient);

        Assert.Equal("Alex"u8.ToArray(), protector.Unprotect(sealedData, Patient));
        Assert.True(sealedData.AsSpan().IndexOf("Alex"u8) < 0);
        Assert.ThrowsAny<CryptographicException>(() => protector.Unprotect(sealedData, Guid.NewGuid()));
    }

    [Fact]
    public void Data_sealed_before_a_key_rotation_still_opens_with_the_previous_key_configured()
    {
        var oldKey = RandomNumberGenerator.GetBytes(32);
        var sealedData = new AesGcmPersonalDataProtector(oldKey).Protect("1990-04-12"u8, Patient);

        var rotated = new AesGcmPersonalDataProtector(RandomNumberGenerator.GetBytes(32), [oldKey]);
        var withoutOldKey = new AesGcmPersonalDataProtector(RandomNumberGenerator.GetBytes(32));

        Assert.Equal("1990-04-12"u8.ToArray(), rotated.Unprotect(sealedData, Patient));
        Assert.ThrowsAny<CryptographicException>(() => withoutOldKey.Unprotect(sealedData, Patient));
    }
}
