using System.Net;
using Identity.Api.Tokens;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using OpenIddict.EntityFrameworkCore.Models;

namespace Identity.Tests.Tokens;

/// <summary>Token entries committed in groups (<see cref="TokenEntryWriter"/>): every acknowledged token has its entry.</summary>
public sealed class TokenEntryWriterTests(TokenTestFactory factory) : IClassFixture<TokenTestFactory>
{
    [Fact]
    public async Task Concurrent_token_requests_each_get_a_stored_entry_that_introspection_finds()
    {
        using var flow = new OAuthFlow(factory);
        var before = await AccessTokenEntriesAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 48).Select(_ => flow.TokenAsync(
            new() { ["grant_type"] = "client_credentials", ["scope"] = "network:demo" },
            OAuthFlow.Basic(OAuthFlow.DemoNetwork, OAuthFlow.DemoNetworkSecret))));

        Assert.All(responses, response => Assert.Equal(HttpStatusCode.OK, response.Status));
        Assert.Equal(before + 48, await AccessTokenEntriesAsync());
        foreach (var (_, body) in responses.Take(8))
        {
            Assert.True((await flow.IntrospectAsync(body.GetProperty("access_token").GetString()!)).GetProperty("active").GetBoolean());
        }
    }

    private async Task<int> AccessTokenEntriesAsync()
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var database = scope.ServiceProvider.GetRequiredService<TokenDbContext>();
        return await database.Set<OpenIddictEntityFrameworkCoreToken>().CountAsync(token => token.Type == OpenIddictConstants.TokenTypeIdentifiers.AccessToken);
    }
}
