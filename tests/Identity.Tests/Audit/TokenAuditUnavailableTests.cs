using System.Net;
using Identity.Tests.Passkeys;
using Identity.Tests.Tokens;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;

namespace Identity.Tests.Audit;

/// <summary>While the audit store cannot take entries, token requests fail with 503 and issue, redeem, rotate or revoke nothing.</summary>
public sealed class TokenAuditUnavailableTests
{
    [Fact]
    public async Task Token_requests_fail_with_503_and_change_nothing_while_the_audit_store_is_locked()
    {
        await using var factory = new TokenTestFactory();
        factory.Settings["Audit:TimeoutSeconds"] = "1";
        using var flow = new OAuthFlow(factory);
        await flow.RegisterPatientAsync(verified: false);
        var code = (await flow.AuthorizeAsync(flow.AuthorizationRequest("openid offline_access network:demo", ("resource", OAuthFlow.DemoResource))))["code"];
        var (_, earlier) = await flow.RedeemAsync((await flow.AuthorizeAsync(flow.AuthorizationRequest("openid offline_access network:demo", ("resource", OAuthFlow.DemoResource))))["code"]);
        var refreshToken = earlier.GetProperty("refresh_token").GetString()!;
        var accessToken = earlier.GetProperty("access_token").GetString()!;
        var tokensBefore = await CountTokensAsync(factory);

        await using (var holder = await AuditStoreLock.TakeAsync(factory))
        {

            await AssertUnavailable(flow, "/connect/token", new()
            {
                ["grant_type"] = "authorization_code", ["client_id"] = OAuthFlow.DemoApp, ["code"] = code,
                ["redirect_uri"] = flow.RedirectUri, ["code_verifier"] = flow.Verifier,
            });
            // Hot paths (client_credentials, introspection) do not wait for their commit while the store is healthy
            // (HotPathAuditTests); once a commit failed they wait like the rest and are refused.
            await AssertUnavailable(flow, "/connect/token", TokenAuditTests.ClientCredentials("network:demo"), basic: true);
            await AssertUnavailable(flow, "/connect/token", new() { ["grant_type"] = "refresh_token", ["client_id"] = OAuthFlow.DemoApp, ["refresh_token"] = refreshToken });
            await AssertUnavailable(flow, "/connect/revoke", new() { ["client_id"] = OAuthFlow.DemoApp, ["token"] = accessToken });
            await AssertUnavailable(flow, "/connect/introspect", new() { ["token"] = accessToken }, basic: true);
            Assert.Equal(tokensBefore, await CountTokensAsync(factory));

            await holder.ReleaseAsync();
        }

        // Nothing was redeemed, rotated or revoked: the same code and refresh token still work, the access token is still active.
        Assert.True((await flow.IntrospectAsync(accessToken)).GetProperty("active").GetBoolean());
        var (redeemed, _) = await flow.RedeemAsync(code);
        Assert.Equal(HttpStatusCode.OK, redeemed);
        var (refreshed, _) = await flow.TokenAsync(new() { ["grant_type"] = "refresh_token", ["client_id"] = OAuthFlow.DemoApp, ["refresh_token"] = refreshToken });
        Assert.Equal(HttpStatusCode.OK, refreshed);
    }

    private static async Task<long> CountTokensAsync(TokenTestFactory factory)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>().CountAsync();
    }

    private static async Task AssertUnavailable(OAuthFlow flow, string path, Dictionary<string, string> parameters, bool basic = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(parameters) };
        if (basic)
        {
            request.Headers.Authorization = OAuthFlow.Basic(OAuthFlow.DemoNetwork, OAuthFlow.DemoNetworkSecret);
        }
        using var response = await flow.Backchannel.SendAsync(request);
        Assert.DoesNotContain("access_token", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await PasskeyHttpTests.AssertProblem(response, HttpStatusCode.ServiceUnavailable, "audit_unavailable");
    }
}
