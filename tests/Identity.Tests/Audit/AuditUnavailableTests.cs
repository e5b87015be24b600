using System.Net;
using System.Text;
using Identity.Grains.Patients;
using Identity.Tests.Infrastructure;
using Identity.Tests.Passkeys;
using Microsoft.Extensions.DependencyInjection;

namespace Identity.Tests.Audit;

/// <summary>When the audit store cannot take an entry, the operation fails with 503 and nothing else changes.</summary>
public sealed class AuditUnavailableTests
{
    [Fact]
    public async Task Operations_fail_with_503_and_change_nothing_while_the_audit_store_is_locked()
    {
        await using var factory = new AuditReaderFactory();
        factory.Settings["Audit:TimeoutSeconds"] = "1";
        factory.Settings["Audit:RetryAfterSeconds"] = "7";
        using var client = PatientClient.For(factory);
        using var phone = new SoftwareAuthenticator(factory.Origin);
        using var laptop = new SoftwareAuthenticator(factory.Origin);
        using var tablet = new SoftwareAuthenticator(factory.Origin);
        using (var registered = await client.RegisterAsync(phone))
        {
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        }
        laptop.UserHandleFrom(phone);
        using (await client.PostJsonAsync("/api/passkeys", laptop.Create(await client.OptionsAsync("/api/passkeys/options")))) { }
        var patient = Guid.Parse(phone.UserHandle!);
        var grain = factory.Services.GetRequiredService<IGrainFactory>().GetGrain<IPatientGrain>(patient);
        var stateBefore = await grain.GetAsync();
        var entriesBefore = await factory.EntriesAsync();

        await using (var holder = await AuditStoreLock.TakeAsync(factory))
        {

            tablet.UserHandleFrom(phone);
            var tabletOptions = await client.OptionsAsync("/api/passkeys/options");
            await AssertUnavailable(await client.PostJsonAsync("/api/passkeys", tablet.Create(tabletOptions)));
            await AssertUnavailable(await client.Http.DeleteAsync($"/api/passkeys/{laptop.CredentialIdText}"));
            await AssertUnavailable(await client.Http.PatchAsync($"/api/passkeys/{phone.CredentialIdText}",
                new StringContent("{\"name\":\"Renamed\"}", Encoding.UTF8, "application/json")));
            using var stranger = PatientClient.For(factory);
            await AssertUnavailable(await stranger.SignInAsync(phone));
            using var me = await stranger.Http.GetAsync("/api/account/me");
            Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);

            await holder.ReleaseAsync();
        }

        var stateAfter = await grain.GetAsync();
        Assert.Equal(stateBefore!.Passkeys.Count, stateAfter!.Passkeys.Count);
        foreach (var (was, now) in stateBefore.Passkeys.Zip(stateAfter.Passkeys))
        {
            Assert.Equal((was.Name, was.SignCount, was.RevokedAt, was.LastUsedAt), (now.Name, now.SignCount, now.RevokedAt, now.LastUsedAt));
        }
        Assert.Equal(entriesBefore.Count, (await factory.EntriesAsync()).Count);
        Assert.True((await factory.Store.VerifyAsync(patient, default)).Intact);

        // Back up: the same request goes through and is audited.
        using var renamed = await client.Http.PatchAsync($"/api/passkeys/{phone.CredentialIdText}",
            new StringContent("{\"name\":\"Renamed\"}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.NoContent, renamed.StatusCode);
        Assert.Equal(entriesBefore.Count + 1, (await factory.EntriesAsync()).Count);
    }

    [Fact]
    public async Task Readiness_reports_an_unavailable_audit_store()
    {
        await using var factory = new AuditReaderFactory();
        factory.Settings["ConnectionStrings:AuditSqlite"] = "Data Source=/proc/identity-audit-nowhere/audit.db";
        using var client = factory.CreateClient();

        using var ready = await client.GetAsync("/health/ready");
        using var registration = await PatientClient.For(factory).PostJsonAsync("/api/passkeys/sign-in", "{\"id\":\"AAAA\",\"rawId\":\"AAAA\",\"type\":\"public-key\",\"response\":{}}");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        await PasskeyHttpTests.AssertProblem(registration, HttpStatusCode.ServiceUnavailable, "audit_unavailable");
    }

    private static async Task AssertUnavailable(HttpResponseMessage response)
    {
        using (response)
        {
            await PasskeyHttpTests.AssertProblem(response, HttpStatusCode.ServiceUnavailable, "audit_unavailable");
            Assert.Equal("7", response.Headers.GetValues("Retry-After").Single());
        }
    }
}
