using System.Net;
using Identity.Tests.Infrastructure;
using static Identity.Tests.Passkeys.PasskeyHttpTests;

namespace Identity.Tests.Passkeys;

/// <summary>Session limits, rate limits and durability, each on a service of its own.</summary>
public sealed class PasskeySessionTests
{
    [Fact]
    public async Task Adding_a_passkey_needs_a_sign_in_within_15_minutes()
    {
        await using var factory = new IdentityApiFactory();
        using var client = PatientClient.For(factory);
        using var phone = new SoftwareAuthenticator(factory.Origin);
        using (await client.RegisterAsync(phone)) { }

        factory.Clock.Offset = TimeSpan.FromMinutes(16);
        using (var stale = await client.PostJsonAsync("/api/passkeys/options", "{}"))
        {
            await AssertProblem(stale, HttpStatusCode.Forbidden, "reauthentication_required");
        }

        using (var again = await client.SignInAsync(phone))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }
        using var fresh = await client.PostJsonAsync("/api/passkeys/options", "{}");
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
    }

    [Fact]
    public async Task Sessions_end_after_30_idle_minutes()
    {
        await using var factory = new IdentityApiFactory();
        using var client = PatientClient.For(factory);
        using var phone = new SoftwareAuthenticator(factory.Origin);
        using (await client.RegisterAsync(phone)) { }

        factory.Clock.Offset = TimeSpan.FromMinutes(31);
        using var me = await client.Http.GetAsync("/api/account/me");

        await AssertProblem(me, HttpStatusCode.Unauthorized, "authentication_required");
    }

    [Fact]
    public async Task Sessions_end_12_hours_after_sign_in_even_when_active()
    {
        await using var factory = new IdentityApiFactory();
        using var client = PatientClient.For(factory);
        using var phone = new SoftwareAuthenticator(factory.Origin);
        using (await client.RegisterAsync(phone)) { }

        // Stay active every 25 minutes so the idle limit never applies.
        for (var minutes = 25; minutes <= 12 * 60; minutes += 25)
        {
            factory.Clock.Offset = TimeSpan.FromMinutes(minutes);
            using var active = await client.Http.GetAsync("/api/account/me");
            Assert.Equal(HttpStatusCode.OK, active.StatusCode);
        }
        factory.Clock.Offset = TimeSpan.FromHours(12) + TimeSpan.FromMinutes(10);
        using var expired = await client.Http.GetAsync("/api/account/me");

        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
    }

    [Fact]
    public async Task Too_many_sign_in_attempts_get_429_with_retry_after()
    {
        await using var factory = new IdentityApiFactory { AuthenticationPermitLimit = 3 };
        using var client = PatientClient.For(factory);

        for (var i = 0; i < 3; i++)
        {
            using var allowed = await client.PostJsonAsync("/api/passkeys/sign-in/options", "{}");
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }
        using var limited = await client.PostJsonAsync("/api/passkeys/sign-in/options", "{}");

        await AssertProblem(limited, HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero);
    }

    [Fact]
    public async Task Patients_and_passkeys_survive_a_restart_of_the_service()
    {
        var data = Directory.CreateTempSubdirectory("identity-restart-").FullName;
        using var phone = new SoftwareAuthenticator("http://localhost");
        await using (var first = new IdentityApiFactory { DataDirectory = data, KeepData = true })
        {
            using var client = PatientClient.For(first);
            using var registered = await client.RegisterAsync(phone);
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        }

        await using var second = new IdentityApiFactory { DataDirectory = data };
        using var again = PatientClient.For(second);
        using var signedIn = await again.SignInAsync(phone);

        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
        Assert.Equal(phone.UserHandle, (await again.MeAsync()).GetProperty("hl7_person_identifier").GetString());
    }
}
