using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Identity.Api.SharedState;
using Identity.Api.Tokens;
using Identity.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Identity.Tests.Tokens;

/// <summary>
/// What instances of the token service share. The validity cache behind introspection and bearer validation
/// (<see cref="TokenStateCache"/>) only ever remembers "valid", forgets on every committed change, never lets an old read
/// win over a newer change, and hears revocations made on other instances through Redis; used client assertions and
/// re-authentication markers live in Redis, so any instance can serve the next request.
/// </summary>
public sealed class TokenSharedStateTests
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(1);
    private static readonly TokenEntrySnapshot Entry = new(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddHours(1), "a1", "access_token");

    [Fact]
    public void Remembered_validity_lapses_after_its_lifetime()
    {
        var (cache, clock) = Cache();
        cache.RememberValidToken("t1", Entry, cache.Epoch);
        Assert.True(cache.TryGetValidToken("t1", out _));

        clock.Offset += Lifetime;

        Assert.False(cache.TryGetValidToken("t1", out _));
    }

    [Fact]
    public void A_read_that_started_before_a_change_is_not_remembered()
    {
        var (cache, _) = Cache();
        var epoch = cache.Epoch;
        // The revocation commits and is announced while the read's "valid" answer is on its way.
        cache.Forget(TokenStateChange.OfAuthorization("a1"));

        cache.RememberValidAuthorization("a1", epoch);

        Assert.False(cache.IsValidAuthorization("a1"));
    }

    [Fact]
    public void Changes_forget_their_entry_and_bulk_changes_forget_everything()
    {
        var (cache, _) = Cache();
        cache.RememberValidToken("t1", Entry, cache.Epoch);
        cache.RememberValidToken("t2", Entry, cache.Epoch);
        cache.RememberValidAuthorization("a1", cache.Epoch);

        cache.Forget(TokenStateChange.OfToken("t1"));
        Assert.False(cache.TryGetValidToken("t1", out _));
        Assert.True(cache.TryGetValidToken("t2", out _));

        cache.Forget(TokenStateChange.Everything);
        Assert.False(cache.TryGetValidToken("t2", out _));
        Assert.False(cache.IsValidAuthorization("a1"));
    }

    [Fact]
    public void Suspended_cache_answers_nothing_and_remembers_nothing()
    {
        var (cache, _) = Cache();
        cache.RememberValidToken("t1", Entry, cache.Epoch);

        cache.Suspend(true);
        cache.RememberValidToken("t2", Entry, cache.Epoch);
        Assert.False(cache.TryGetValidToken("t1", out _));

        cache.Suspend(false);
        Assert.False(cache.TryGetValidToken("t1", out _));
        Assert.False(cache.TryGetValidToken("t2", out _));
    }

    [Theory]
    [InlineData("t:abc", TokenStateChangeKind.Token, "abc")]
    [InlineData("a:abc", TokenStateChangeKind.Authorization, "abc")]
    [InlineData("*", TokenStateChangeKind.Everything, null)]
    [InlineData("t:", TokenStateChangeKind.Everything, null)]
    [InlineData("x:abc", TokenStateChangeKind.Everything, null)]
    [InlineData("", TokenStateChangeKind.Everything, null)]
    [InlineData(null, TokenStateChangeKind.Everything, null)]
    public void Messages_that_are_not_understood_mean_everything_changed(string? message, TokenStateChangeKind kind, string? id)
    {
        Assert.Equal(new TokenStateChange(kind, id), TokenStateChange.FromMessage(message));
        Assert.Equal(TokenStateChangeKind.Everything, TokenStateChange.FromMessage("t:" + new string('x', 201)).Kind);
    }

    [Fact]
    public async Task Introspection_after_a_revocation_on_the_same_instance_is_inactive_at_once()
    {
        await using var factory = new TokenTestFactory();
        factory.Settings["Tokens:ValidityCacheMilliseconds"] = "600000";
        using var flow = new OAuthFlow(factory);
        var token = await NetworkTokenAsync(flow);
        Assert.True((await flow.IntrospectAsync(token)).GetProperty("active").GetBoolean());

        await RevokeAsync(flow, token);

        Assert.False((await flow.IntrospectAsync(token)).GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task A_deleted_client_cannot_authenticate_even_right_after_it_did()
    {
        await using var factory = new TokenTestFactory();
        factory.Settings["Tokens:ValidityCacheMilliseconds"] = "600000";
        using var flow = new OAuthFlow(factory);
        await NetworkTokenAsync(flow);

        await using (var scope = factory.Services.CreateAsyncScope())
        {
            Assert.True(await scope.ServiceProvider.GetRequiredService<ClientRegistry>().DeleteAsync(OAuthFlow.DemoNetwork));
        }

        var (status, body) = await flow.TokenAsync(new() { ["grant_type"] = "client_credentials", ["scope"] = "network:demo" },
            OAuthFlow.Basic(OAuthFlow.DemoNetwork, OAuthFlow.DemoNetworkSecret));
        Assert.True(status == HttpStatusCode.Unauthorized, body.ToString());
        Assert.Equal("invalid_client", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_revocation_on_one_instance_reaches_introspection_on_another_through_Redis()
    {
        var shared = SharedTokenService();
        // A cache lifetime of ten minutes: only the Redis message can make the second instance forget in time.
        await using var first = Instance(shared, cacheMilliseconds: 600_000);
        await using var second = Instance(shared, cacheMilliseconds: 600_000);
        _ = first.Server;
        _ = second.Server;
        using var issuer = new OAuthFlow(first);
        using var other = new OAuthFlow(second);
        var token = await NetworkTokenAsync(issuer);
        Assert.True((await other.IntrospectAsync(token)).GetProperty("active").GetBoolean());
        Assert.True((await other.IntrospectAsync(token)).GetProperty("active").GetBoolean());

        await RevokeAsync(issuer, token);

        await AssertInactiveWithinASecondAsync(other, token, "the other instance still answered active:true 1 s after the revocation");
    }

    [Fact]
    public async Task While_Redis_is_down_instances_stop_answering_from_memory_and_resume_when_it_returns()
    {
        await using var redis = new RedisServer();
        await redis.StartAsync();
        var shared = SharedTokenService();
        shared["ConnectionStrings:Redis"] = redis.ConnectionString;
        await using var first = Instance(shared, cacheMilliseconds: 600_000);
        await using var second = Instance(shared, cacheMilliseconds: 600_000);
        _ = first.Server;
        _ = second.Server;
        using var issuer = new OAuthFlow(first);
        using var other = new OAuthFlow(second);
        var token = await NetworkTokenAsync(issuer);
        Assert.True((await other.IntrospectAsync(token)).GetProperty("active").GetBoolean());

        // The revocation cannot be published, but the other instance has stopped trusting its memory.
        await redis.StopAsync();
        var cache = second.Services.GetRequiredService<TokenStateCache>();
        await WaitUntilAsync(() => !cache.Enabled, "the cache was not suspended when Redis went away");
        await RevokeAsync(issuer, token);
        Assert.False((await other.IntrospectAsync(token)).GetProperty("active").GetBoolean());

        await redis.StartAsync();
        await WaitUntilAsync(() => cache.Enabled, "the cache did not resume when Redis returned");
        var fresh = await NetworkTokenAsync(issuer);
        Assert.True((await other.IntrospectAsync(fresh)).GetProperty("active").GetBoolean());
        await RevokeAsync(issuer, fresh);
        await AssertInactiveWithinASecondAsync(other, fresh, "after Redis returned, a revocation did not reach the other instance within 1 s");
    }

    private static async Task AssertInactiveWithinASecondAsync(OAuthFlow flow, string token, string message)
    {
        var clock = Stopwatch.StartNew();
        while ((await flow.IntrospectAsync(token)).GetProperty("active").GetBoolean())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), message);
            await Task.Delay(20);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string message)
    {
        for (var attempt = 0; attempt < 150 && !condition(); attempt++)
        {
            await Task.Delay(100);
        }
        Assert.True(condition(), message);
    }

    [Fact]
    public async Task A_client_assertion_used_on_one_instance_is_refused_on_another()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var shared = SharedTokenService();
        await using var first = Instance(shared, cacheMilliseconds: 1_000, key);
        await using var second = Instance(shared, cacheMilliseconds: 1_000, key);
        _ = first.Server;
        _ = second.Server;
        using var one = new OAuthFlow(first);
        using var other = new OAuthFlow(second);
        var assertion = TokenRefusalTests.Assertion(one, key, lifetime: TimeSpan.FromMinutes(2));

        var used = await TokenRefusalTests.AssertionGrantAsync(one, assertion);
        var replayed = await TokenRefusalTests.AssertionGrantAsync(other, assertion);

        Assert.True(used.Status == HttpStatusCode.OK, used.Body.ToString());
        Assert.Equal("invalid_client", replayed.Body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_reauthentication_started_on_one_instance_is_satisfied_on_another()
    {
        using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(TestEnvironment.Redis);
        IPromptLoginMarkers one = new RedisPromptLoginMarkers(redis);
        IPromptLoginMarkers other = new RedisPromptLoginMarkers(redis);
        var request = Guid.NewGuid().ToString("N");
        var sentAt = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());

        Assert.False(await other.IsSatisfiedByAsync(request, sentAt.AddMinutes(1)));
        await one.StartAsync(request, sentAt);

        Assert.True(await other.IsSatisfiedByAsync(request, sentAt.AddSeconds(5)));
        Assert.False(await other.IsSatisfiedByAsync(request, sentAt.AddMinutes(-5)));
    }

    private static (TokenStateCache Cache, ShiftedTimeProvider Clock) Cache()
    {
        var clock = new ShiftedTimeProvider();
        return (new TokenStateCache(new TokenSettings { ValidityCacheMilliseconds = (int)Lifetime.TotalMilliseconds }, clock), clock);
    }

    private static async Task<string> NetworkTokenAsync(OAuthFlow flow)
    {
        var (status, body) = await flow.TokenAsync(new() { ["grant_type"] = "client_credentials", ["scope"] = "network:demo" },
            OAuthFlow.Basic(OAuthFlow.DemoNetwork, OAuthFlow.DemoNetworkSecret));
        Assert.Equal(HttpStatusCode.OK, status);
        return body.GetProperty("access_token").GetString()!;
    }

    private static async Task RevokeAsync(OAuthFlow flow, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/connect/revoke") { Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token }) };
        request.Headers.Authorization = OAuthFlow.Basic(OAuthFlow.DemoNetwork, OAuthFlow.DemoNetworkSecret);
        using var response = await flow.Backchannel.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>What two instances of one deployment share: the token store, the keys and Redis.</summary>
    private static Dictionary<string, string> SharedTokenService()
    {
        using var signing = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return new()
        {
            ["ConnectionStrings:Tokens"] = $"Data Source={Path.Combine(Directory.CreateTempSubdirectory("identity-tokens-").FullName, "tokens.db")}",
            ["ConnectionStrings:Redis"] = TestEnvironment.Redis,
            ["Tokens:SigningKeys:0"] = signing.ExportECPrivateKeyPem(),
            ["Tokens:EncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Tokens:PairwiseSecret"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        };
    }

    private static TokenTestFactory Instance(Dictionary<string, string> shared, int cacheMilliseconds, ECDsa? clientKey = null)
    {
        var factory = clientKey is null ? new TokenTestFactory() : TokenTestFactory.WithClientKey(clientKey);
        foreach (var (key, value) in shared)
        {
            factory.Settings[key] = value;
        }
        factory.Settings["Tokens:ValidityCacheMilliseconds"] = cacheMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return factory;
    }
}
