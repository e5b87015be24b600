using System.Net;
using Identity.Grains.Consent;
using Identity.Tests.Tokens;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Identity.Tests.Consent;

/// <summary>
/// A grant's Consent has the grant's lifetime as its period (<c>Consent:GrantDays</c>, here 1 day). No token issued under
/// the grant outlives it (access and refresh token lifetimes are cut to what is left), and when the period is over the
/// grant is over: refresh is refused, a remembered approval is not reused, and the authorization is revoked when this is
/// noticed. The service's clock is moved forward.
/// </summary>
public sealed class ConsentGrantExpiryTests
{
    private const string Scope = "openid offline_access patient/*.rs network:demo";

    [Fact]
    public async Task Refresh_after_the_grant_consent_period_ends_is_refused()
    {
        await using var factory = OneDayGrants();
        using var flow = new OAuthFlow(factory);
        var patient = await flow.RegisterPatientAsync(verified: false);
        var callback = await flow.AuthorizeAsync(flow.AuthorizationRequest(Scope, ("resource", OAuthFlow.DemoResource)));
        var (_, issued) = await flow.RedeemAsync(callback["code"]);
        Assert.Single(await factory.Services.GetRequiredService<IGrainFactory>().GetGrain<IPatientConsentGrain>(patient).CurrentAsync());

        factory.Clock.Offset = TimeSpan.FromHours(23);
        var (beforeEnd, refreshed) = await RefreshAsync(flow, issued.GetProperty("refresh_token").GetString()!);
        Assert.True(beforeEnd == HttpStatusCode.OK, refreshed.ToString());

        factory.Clock.Offset = TimeSpan.FromHours(25);
        var (afterEnd, refused) = await RefreshAsync(flow, refreshed.GetProperty("refresh_token").GetString()!);

        // The refresh token issued at 23 h was given the hour the grant had left, so it has expired with the grant.
        Assert.Equal(HttpStatusCode.BadRequest, afterEnd);
        Assert.Equal("invalid_grant", refused.GetProperty("error").GetString());
        // The Consent itself is not rewritten: its period says it is over.
        var after = Assert.Single(await factory.Services.GetRequiredService<IGrainFactory>().GetGrain<IPatientConsentGrain>(patient).CurrentAsync());
        Assert.Equal((1, "active"), (after.VersionId, after.Status));
    }

    [Fact]
    public async Task Tokens_issued_near_the_end_of_a_grant_expire_with_it()
    {
        await using var factory = OneDayGrants();
        using var flow = new OAuthFlow(factory);
        await flow.RegisterPatientAsync(verified: false);
        var callback = await flow.AuthorizeAsync(flow.AuthorizationRequest(Scope, ("resource", OAuthFlow.DemoResource)));
        var (_, issued) = await flow.RedeemAsync(callback["code"]);
        Assert.True(issued.GetProperty("expires_in").GetInt32() > 20 * 60, issued.ToString());

        // 15 minutes of the one-day grant are left: the access token (30 minutes otherwise) ends with it.
        factory.Clock.Offset = TimeSpan.FromHours(23.75);
        var (status, refreshed) = await RefreshAsync(flow, issued.GetProperty("refresh_token").GetString()!);

        Assert.True(status == HttpStatusCode.OK, refreshed.ToString());
        Assert.InRange(refreshed.GetProperty("expires_in").GetInt32(), 1, 15 * 60 + 5);
    }

    [Fact]
    public async Task A_remembered_approval_whose_consent_period_ended_is_not_reused()
    {
        await using var factory = OneDayGrants();
        using var flow = new OAuthFlow(factory);
        var patient = await flow.RegisterPatientAsync(verified: false);
        var consents = factory.Services.GetRequiredService<IGrainFactory>().GetGrain<IPatientConsentGrain>(patient);
        await flow.AuthorizeAsync(flow.AuthorizationRequest(Scope, ("resource", OAuthFlow.DemoResource)));
        var first = Assert.Single(await consents.CurrentAsync());
        var remembered = await flow.AuthorizeAsync(flow.AuthorizationRequest(Scope, ("resource", OAuthFlow.DemoResource), ("prompt", "none")));
        Assert.True(remembered.ContainsKey("code"), string.Join(", ", remembered));

        factory.Clock.Offset = TimeSpan.FromHours(25);
        using (var signedIn = await flow.Browser.SignInAsync(flow.Authenticator))
        {
            Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
        }
        var silent = await flow.AuthorizeAsync(flow.AuthorizationRequest(Scope, ("resource", OAuthFlow.DemoResource), ("prompt", "none")));

        Assert.Equal("consent_required", silent["error"]);
        Assert.Equal(Statuses.Revoked, await AuthorizationStatusAsync(factory, first.AuthorizationId!));
        // Asked again, the patient's new approval is a new Consent with a new period.
        var again = await flow.AuthorizeAsync(flow.AuthorizationRequest(Scope, ("resource", OAuthFlow.DemoResource)));
        var (redeemed, tokens) = await flow.RedeemAsync(again["code"]);
        Assert.True(redeemed == HttpStatusCode.OK, tokens.ToString());
        Assert.Equal(2, (await consents.CurrentAsync()).Length);
    }

    private static ConsentTestFactory OneDayGrants()
    {
        var factory = new ConsentTestFactory();
        factory.Settings["Consent:GrantDays"] = "1";
        return factory;
    }

    private static Task<(HttpStatusCode Status, System.Text.Json.JsonElement Body)> RefreshAsync(OAuthFlow flow, string refreshToken) => flow.TokenAsync(new()
    {
        ["grant_type"] = "refresh_token", ["client_id"] = OAuthFlow.DemoApp, ["refresh_token"] = refreshToken,
    });

    private static async Task<string?> AuthorizationStatusAsync(ConsentTestFactory factory, string authorizationId)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var authorizations = scope.ServiceProvider.GetRequiredService<IOpenIddictAuthorizationManager>();
        return await authorizations.GetStatusAsync((await authorizations.FindByIdAsync(authorizationId))!);
    }
}
