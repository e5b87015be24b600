using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Identity.Tests.Cluster;
using Identity.Tests.Infrastructure;
using Identity.Tests.Tokens;
using Xunit.Abstractions;
using static Identity.Tests.Consent.ConsentHttp;

namespace Identity.Tests.Consent;

/// <summary>
/// Two API instances of one cluster (shared PostgreSQL token store and grain state, one Orleans cluster, one Redis): the
/// patient withdraws an app's grant Consent on one, and within a second the other refuses every token of that grant.
/// Written against the behaviour, not the mechanism, so any per-instance cache of token or authorization status must
/// be invalidated in time for it to pass. Runs alone (the deadline must not compete with parallel tests for the cores).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ConsentWithdrawalAcrossInstancesTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Scope = "openid offline_access patient/*.rs network:demo hl7_person_identifier";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan GiveUp = TimeSpan.FromSeconds(10);

    private PostgresDatabase _database = null!;
    private ClusterApiFactory _first = null!;
    private ClusterApiFactory _second = null!;

    public async Task InitializeAsync()
    {
        _database = await PostgresDatabase.CreateAsync();
        var deployment = ClusterApiFactory.Deployment(_database.ConnectionString, TestEnvironment.Redis);
        _first = new ClusterApiFactory(deployment);
        // One after the other: the first instance migrates the token store and seeds the clients.
        _ = _first.Server;
        _second = new ClusterApiFactory(deployment);
        _ = _second.Server;
    }

    public async Task DisposeAsync()
    {
        await _second.DisposeAsync();
        await _first.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Withdrawal_on_one_instance_ends_the_apps_tokens_on_the_other_within_a_second()
    {
        using var onFirst = new OAuthFlow(_first);
        using var onSecond = new OAuthFlow(_second);
        await onFirst.RegisterPatientAsync(verified: false);
        var callback = await onFirst.AuthorizeAsync(onFirst.AuthorizationRequest(Scope, ("resource", OAuthFlow.DemoResource)));
        var (redeemed, issued) = await onFirst.RedeemAsync(callback["code"]);
        Assert.True(redeemed == HttpStatusCode.OK, issued.ToString());

        // The second instance works with the grant first, so whatever it may keep in memory about it is warm.
        var (refreshed, tokens) = await RefreshAsync(onSecond, issued.GetProperty("refresh_token").GetString()!);
        Assert.True(refreshed == HttpStatusCode.OK, tokens.ToString());
        string[] accessTokens = [issued.GetProperty("access_token").GetString()!, tokens.GetProperty("access_token").GetString()!];
        var refreshToken = tokens.GetProperty("refresh_token").GetString()!;
        foreach (var accessToken in accessTokens)
        {
            Assert.True((await onSecond.IntrospectAsync(accessToken)).GetProperty("active").GetBoolean());
            Assert.Equal(HttpStatusCode.OK, await UserInfoAsync(onSecond, accessToken));
        }

        using var listed = await onFirst.Browser.Http.GetAsync("/api/consents");
        var grant = Assert.Single((await JsonAsync(listed)).EnumerateArray());
        using var withdrawn = await onFirst.Browser.Http.PostAsync($"/api/consents/{grant.GetProperty("id").GetString()}/withdraw", null);
        var sinceWithdrawal = Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.OK, withdrawn.StatusCode);

        TimeSpan? inactive = null, unauthorized = null;
        while ((inactive is null || unauthorized is null) && sinceWithdrawal.Elapsed < GiveUp)
        {
            if (inactive is null && await AllInactiveAsync(onSecond, accessTokens))
            {
                inactive = sinceWithdrawal.Elapsed;
            }
            if (unauthorized is null && await AllUnauthorizedAsync(onSecond, accessTokens))
            {
                unauthorized = sinceWithdrawal.Elapsed;
            }
            if (inactive is null || unauthorized is null)
            {
                await Task.Delay(20);
            }
        }
        // Only once the other instance has stopped honouring the access tokens: a refresh accepted now would mint new ones.
        var (refusedStatus, refused) = await RefreshAsync(onSecond, refreshToken);
        var refreshRefused = sinceWithdrawal.Elapsed;
        output.WriteLine($"after the withdrawal on the first instance, the second: introspection inactive at {inactive?.TotalMilliseconds:0} ms, " +
            $"userinfo 401 at {unauthorized?.TotalMilliseconds:0} ms, refresh refused at {refreshRefused.TotalMilliseconds:0} ms");

        Assert.True(inactive is not null, $"introspection on the second instance still said active after {GiveUp.TotalSeconds:0} s");
        Assert.True(unauthorized is not null, $"userinfo on the second instance still accepted the token after {GiveUp.TotalSeconds:0} s");
        Assert.True(refusedStatus == HttpStatusCode.BadRequest, $"the second instance refreshed the withdrawn grant: {(int)refusedStatus} {refused}");
        Assert.Equal("invalid_grant", refused.GetProperty("error").GetString());
        Assert.True(inactive <= Deadline, $"introspection turned inactive only after {inactive!.Value.TotalMilliseconds:0} ms");
        Assert.True(unauthorized <= Deadline, $"userinfo refused the token only after {unauthorized!.Value.TotalMilliseconds:0} ms");
        Assert.True(refreshRefused <= Deadline, $"refresh was refused only after {refreshRefused.TotalMilliseconds:0} ms");
    }

    private static Task<(HttpStatusCode Status, JsonElement Body)> RefreshAsync(OAuthFlow flow, string refreshToken) => flow.TokenAsync(new()
    {
        ["grant_type"] = "refresh_token", ["client_id"] = OAuthFlow.DemoApp, ["refresh_token"] = refreshToken,
    });

    private static async Task<bool> AllInactiveAsync(OAuthFlow flow, IEnumerable<string> accessTokens)
    {
        foreach (var accessToken in accessTokens)
        {
            if ((await flow.IntrospectAsync(accessToken)).GetProperty("active").GetBoolean())
            {
                return false;
            }
        }
        return true;
    }

    private static async Task<bool> AllUnauthorizedAsync(OAuthFlow flow, IEnumerable<string> accessTokens)
    {
        foreach (var accessToken in accessTokens)
        {
            if (await UserInfoAsync(flow, accessToken) != HttpStatusCode.Unauthorized)
            {
                return false;
            }
        }
        return true;
    }

    private static async Task<HttpStatusCode> UserInfoAsync(OAuthFlow flow, string accessToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/connect/userinfo");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var response = await flow.Backchannel.SendAsync(request);
        return response.StatusCode;
    }
}
