using System.Text.Json;
using Identity.Tests.Infrastructure;

namespace Identity.Tests.Passkeys;

public sealed class PasskeyLoggingTests
{
    [Fact]
    public async Task Logs_hold_no_names_credentials_challenges_or_cookies_at_any_level()
    {
        await using var factory = new IdentityApiFactory();
        factory.Settings["Logging:LogLevel:Default"] = "Trace";
        using var client = PatientClient.For(factory);
        using var phone = new SoftwareAuthenticator(factory.Origin);
        const string nickname = "Alice Quintessa Example";

        var options = await client.OptionsAsync("/api/passkeys/register/options", new { nickname });
        var challenge = JsonDocument.Parse(options).RootElement.GetProperty("challenge").GetString()!;
        using (var registered = await client.PostJsonAsync("/api/passkeys/register", phone.Create(options)))
        {
            registered.EnsureSuccessStatusCode();
        }
        using (await client.SignInAsync(phone)) { }
        using (var stranger = new SoftwareAuthenticator(factory.Origin))
        using (await client.SignInAsync(stranger)) { }
        using (await client.PostJsonAsync("/api/passkeys/sign-in", "{\"id\": \"not-a-credential")) { }

        var secrets = new[] { nickname, "Quintessa", phone.CredentialIdText, challenge, "__identityconsent", "Identity.TwoFactorUserId=" };
        Assert.NotEmpty(factory.Logs.Messages);
        foreach (var message in factory.Logs.Messages)
        {
            foreach (var secret in secrets)
            {
                Assert.DoesNotContain(secret, message, StringComparison.Ordinal);
            }
        }
    }
}
