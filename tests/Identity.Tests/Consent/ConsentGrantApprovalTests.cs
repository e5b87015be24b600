using System.Net;
using Identity.Grains.Consent;
using Identity.Tests.Audit;
using Identity.Tests.Passkeys;
using Identity.Tests.Tokens;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Identity.Tests.Consent;

/// <summary>An approval on the consent screen leaves a usable grant only together with its Consent and the Consent's audit entry.</summary>
public sealed class ConsentGrantApprovalTests
{
    private const string Scope = "openid offline_access patient/*.rs network:demo";

    [Fact]
    public async Task Approval_while_the_audit_store_is_down_fails_with_503_and_leaves_no_usable_grant()
    {
        await using var factory = new ConsentTestFactory();
        factory.Settings["Audit:TimeoutSeconds"] = "1";
        using var flow = new OAuthFlow(factory);
        var patient = await flow.RegisterPatientAsync(verified: false);
        var consents = factory.Services.GetRequiredService<IGrainFactory>().GetGrain<IPatientConsentGrain>(patient);
        var html = await flow.ConsentPageAsync(flow.AuthorizationRequest(Scope, ("resource", OAuthFlow.DemoResource)));

        await using (var holder = await AuditStoreLock.TakeAsync(factory))
        {

            using var decided = await flow.DecideAsync(html);
            Assert.Null(decided.Headers.Location);
            await PasskeyHttpTests.AssertProblem(decided, HttpStatusCode.ServiceUnavailable, "audit_unavailable");

            await holder.ReleaseAsync();
        }

        // Nothing usable is left: the authorization created for the approval is revoked, no Consent exists, the app is not remembered.
        Assert.Equal([Statuses.Revoked], await AuthorizationStatusesAsync(factory));
        Assert.Empty(await consents.CurrentAsync());
        var silent = await flow.AuthorizeAsync(flow.AuthorizationRequest(Scope, ("resource", OAuthFlow.DemoResource), ("prompt", "none")));
        Assert.Equal("consent_required", silent["error"]);

        // With the store back the same approval goes through: one Consent linked to the one valid authorization.
        var callback = await flow.AuthorizeAsync(flow.AuthorizationRequest(Scope, ("resource", OAuthFlow.DemoResource)));
        var (redeemed, tokens) = await flow.RedeemAsync(callback["code"]);
        Assert.True(redeemed == HttpStatusCode.OK, tokens.ToString());
        var grant = Assert.Single(await consents.CurrentAsync());
        Assert.Equal("active", grant.Status);
        await using var scope = factory.Services.CreateAsyncScope();
        var authorizations = scope.ServiceProvider.GetRequiredService<IOpenIddictAuthorizationManager>();
        Assert.Equal(Statuses.Valid, await authorizations.GetStatusAsync((await authorizations.FindByIdAsync(grant.AuthorizationId!))!));
        Assert.Equal([Statuses.Revoked, Statuses.Valid], (await AuthorizationStatusesAsync(factory)).Order(StringComparer.Ordinal));
    }

    private static async Task<List<string?>> AuthorizationStatusesAsync(ConsentTestFactory factory)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var authorizations = scope.ServiceProvider.GetRequiredService<IOpenIddictAuthorizationManager>();
        var statuses = new List<string?>();
        await foreach (var authorization in authorizations.ListAsync(null, null))
        {
            statuses.Add(await authorizations.GetStatusAsync(authorization));
        }
        return statuses;
    }
}
