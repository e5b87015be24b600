using System.Net;
using Identity.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Identity.Tests.Hosting;

/// <summary><c>ForwardedHeaders:KnownNetworks</c> / <c>KnownProxies</c>: whose X-Forwarded-For and X-Forwarded-Proto the service believes.</summary>
public sealed class ForwardedHeadersTests
{
    private static readonly IPAddress Client = IPAddress.Parse("203.0.113.9");
    private static readonly IPAddress Ingress = IPAddress.Parse("10.244.3.17");

    [Fact]
    public async Task By_default_only_a_loopback_proxy_is_believed()
    {
        await using var factory = new IdentityApiFactory();

        var fromIngress = await ForwardedAsync(factory, Ingress);
        var fromLoopback = await ForwardedAsync(factory, IPAddress.Loopback);

        Assert.Equal((Ingress, "http"), fromIngress);
        Assert.Equal((Client, "https"), fromLoopback);
    }

    [Fact]
    public async Task A_configured_ingress_network_and_proxy_are_believed_and_others_are_not()
    {
        await using var factory = new IdentityApiFactory();
        factory.Settings["ForwardedHeaders:KnownNetworks:0"] = "10.244.0.0/16";
        factory.Settings["ForwardedHeaders:KnownProxies:0"] = "192.0.2.10";

        Assert.Equal((Client, "https"), await ForwardedAsync(factory, Ingress));
        Assert.Equal((Client, "https"), await ForwardedAsync(factory, IPAddress.Parse("192.0.2.10")));
        Assert.Equal((Client, "https"), await ForwardedAsync(factory, IPAddress.Loopback));
        var stranger = IPAddress.Parse("10.245.0.1");
        Assert.Equal((stranger, "http"), await ForwardedAsync(factory, stranger));
    }

    [Theory]
    [InlineData("KnownNetworks", "10.244.0.0")]
    [InlineData("KnownNetworks", "10.244.0.1/16")]
    [InlineData("KnownProxies", "ingress.example")]
    public async Task A_malformed_entry_stops_the_start_and_names_itself(string list, string entry)
    {
        await using var factory = new IdentityApiFactory();
        factory.Settings[$"ForwardedHeaders:{list}:0"] = entry;

        var refused = Assert.Throws<InvalidOperationException>(() => factory.Server);

        Assert.Contains($"ForwardedHeaders:{list} entry '{entry}'", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>The client address and scheme the service sees for a request a proxy at <paramref name="proxy"/> forwarded.</summary>
    private static async Task<(IPAddress?, string)> ForwardedAsync(IdentityApiFactory factory, IPAddress proxy)
    {
        var context = await factory.Server.SendAsync(http =>
        {
            http.Request.Method = HttpMethods.Get;
            http.Request.Path = "/health/live";
            http.Connection.RemoteIpAddress = proxy;
            http.Request.Headers["X-Forwarded-For"] = Client.ToString();
            http.Request.Headers["X-Forwarded-Proto"] = "https";
        });
        return (context.Connection.RemoteIpAddress, context.Request.Scheme);
    }
}
