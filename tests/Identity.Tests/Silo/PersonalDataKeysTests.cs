using System.Security.Cryptography;
using Identity.Silo;
using Microsoft.Extensions.Configuration;

namespace Identity.Tests.Silo;

public sealed class PersonalDataKeysTests
{
    [Fact]
    public void A_standalone_silo_seals_with_the_configured_key_and_opens_with_previous_keys()
    {
        var old = RandomNumberGenerator.GetBytes(32);
        var current = RandomNumberGenerator.GetBytes(32);
        var patient = Guid.NewGuid();
        var sealedBefore = PersonalDataKeys.FromConfiguration(Configuration(("Enrollment:PiiKey", Convert.ToBase64String(old))))!
            .Protect("Erika"u8, patient);

        var rotated = PersonalDataKeys.FromConfiguration(Configuration(
            ("Enrollment:PiiKey", Convert.ToBase64String(current)),
            ("Enrollment:PreviousPiiKeys:0", Convert.ToBase64String(old))))!;

        Assert.Equal("Erika"u8.ToArray(), rotated.Unprotect(sealedBefore, patient));
        Assert.Equal("Musterfrau"u8.ToArray(), rotated.Unprotect(rotated.Protect("Musterfrau"u8, patient), patient));
    }

    [Fact]
    public void Without_a_key_there_is_no_protector_and_a_bad_key_is_refused()
    {
        Assert.Null(PersonalDataKeys.FromConfiguration(Configuration()));
        Assert.Throws<InvalidOperationException>(() => PersonalDataKeys.FromConfiguration(Configuration(("Enrollment:PiiKey", "not base64!"))));
        Assert.Throws<InvalidOperationException>(() => PersonalDataKeys.FromConfiguration(Configuration(("Enrollment:PiiKey", Convert.ToBase64String(new byte[16])))));
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();
}
