using System.Net;
using System.Text;
using Identity.Tests.Infrastructure;
using static Identity.Tests.Passkeys.PasskeyHttpTests;

namespace Identity.Tests.SharedState;

/// <summary>Two API instances sharing a real Redis: cookies, single-use challenges and rate limits hold across instances.</summary>
public sealed class RedisSharedStateTests
{
    [Fact]
    public async Task A_sign_in_replayed_against_another_instance_is_refused()
    {
        await using var first = Instance(TestEnvironment.Redis);
        await using var second = Instance(TestEnvironment.Redis);
        using var owner = PatientClient.For(first);
        using var phone = new SoftwareAuthenticator(first.Origin);
        using (await owner.RegisterAsync(phone)) { }

        using var attacker = first.CreateClient(new() { BaseAddress = new Uri(first.Origin), HandleCookies = false });
        using var options = await attacker.PostAsync("/api/passkeys/sign-in/options", Json("{}"));
        var cookie = string.Join("; ", options.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
        var assertion = phone.Get(await options.Content.ReadAsStringAsync());

        using var signedIn = await Send(first, cookie, assertion);
        using var replayed = await Send(second, cookie, assertion);

        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
        // Had the second instance not shared the key ring, the cookie would be unreadable (passkey_ceremony_missing).
        await AssertProblem(replayed, HttpStatusCode.BadRequest, "passkey_challenge_reused");
    }

    [Fact]
    public async Task Without_Redis_ceremonies_get_503_and_after_an_empty_restart_old_responses_are_refused()
    {
        await using var redis = new RedisServer();
        await redis.StartAsync();
        await using var factory = Instance(redis.ConnectionString);
        using var client = PatientClient.For(factory);
        using var phone = new SoftwareAuthenticator(factory.Origin);
        using (var registered = await client.RegisterAsync(phone))
        {
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        }
        // An attacker captures a sign-in (ceremony cookie and signed response) without it being used yet.
        using var attacker = factory.CreateClient(new() { BaseAddress = new Uri(factory.Origin), HandleCookies = false });
        using var captured = await attacker.PostAsync("/api/passkeys/sign-in/options", Json("{}"));
        var cookie = string.Join("; ", captured.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
        var assertion = phone.Get(await captured.Content.ReadAsStringAsync());

        await redis.StopAsync();
        using (var down = await client.PostJsonAsync("/api/passkeys/sign-in/options", "{}"))
        {
            await AssertProblem(down, HttpStatusCode.ServiceUnavailable, "shared_state_unavailable");
            Assert.NotNull(down.Headers.RetryAfter);
        }
        using (var notReady = await client.Http.GetAsync("/health/ready"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        }

        await redis.StartAsync();
        var recovered = false;
        for (var attempt = 0; attempt < 50 && !recovered; attempt++)
        {
            using var ready = await client.Http.GetAsync("/health/ready");
            recovered = ready.StatusCode == HttpStatusCode.OK;
            if (!recovered)
            {
                await Task.Delay(200);
            }
        }
        Assert.True(recovered, "the service did not become ready again after Redis returned");

        // Redis came back empty: it cannot know the captured challenge was never used, so it is refused.
        using (var replayed = await Send(factory, cookie, assertion))
        {
            await AssertProblem(replayed, HttpStatusCode.BadRequest, "passkey_ceremony_stale");
        }
        using var signedIn = await client.SignInAsync(phone);
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
    }

    [Fact]
    public async Task The_authentication_rate_limit_counts_across_instances_and_falls_back_to_each_instance_without_Redis()
    {
        await using var redis = new RedisServer();
        await redis.StartAsync();
        await using var first = Instance(redis.ConnectionString, permitLimit: 3);
        await using var second = Instance(redis.ConnectionString, permitLimit: 3);
        using var one = PatientClient.For(first);
        using var other = PatientClient.For(second);

        // Two attempts on each instance: the fourth in the window is refused, wherever it lands.
        HttpStatusCode[] statuses =
        [
            await StatusAsync(one), await StatusAsync(other), await StatusAsync(one), await StatusAsync(other),
        ];
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        using (var refused = await other.PostJsonAsync("/api/passkeys/sign-in/options", "{}"))
        {
            await AssertProblem(refused, HttpStatusCode.TooManyRequests, "rate_limited");
            Assert.NotNull(refused.Headers.RetryAfter);
        }

        // Without Redis each instance still limits on its own (3 per window here): never unlimited.
        await redis.StopAsync();
        await using var third = Instance(redis.ConnectionString, permitLimit: 3);
        using var fresh = PatientClient.For(third);
        var withoutRedis = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            withoutRedis.Add(await StatusAsync(fresh));
        }
        Assert.Equal([HttpStatusCode.ServiceUnavailable, HttpStatusCode.ServiceUnavailable, HttpStatusCode.ServiceUnavailable, HttpStatusCode.TooManyRequests], withoutRedis);

        static async Task<HttpStatusCode> StatusAsync(PatientClient client)
        {
            using var response = await client.PostJsonAsync("/api/passkeys/sign-in/options", "{}");
            return response.StatusCode;
        }
    }

    private static IdentityApiFactory Instance(string redis, int permitLimit = 10_000)
    {
        var factory = new IdentityApiFactory { AuthenticationPermitLimit = permitLimit };
        factory.Settings["ConnectionStrings:Redis"] = redis;
        return factory;
    }

    private static async Task<HttpResponseMessage> Send(IdentityApiFactory instance, string cookie, string assertion)
    {
        using var client = instance.CreateClient(new() { BaseAddress = new Uri(instance.Origin), HandleCookies = false });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/passkeys/sign-in")
        {
            Content = new StringContent(assertion, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Cookie", cookie);
        return await client.SendAsync(request);
    }
}
