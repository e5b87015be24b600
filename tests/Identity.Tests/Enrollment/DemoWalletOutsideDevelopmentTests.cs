using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Identity.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;

namespace Identity.Tests.Enrollment;

/// <summary>Outside Development the demo wallet does not exist and its IACA is not trusted, whatever the configuration says.</summary>
public sealed class DemoWalletOutsideDevelopmentTests : IAsyncLifetime
{
    private readonly ProductionFactory _factory = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task Demo_wallet_is_refused_and_not_offered_outside_development()
    {
        using var browser = PatientClient.For(_factory);

        using var page = await browser.Http.GetAsync("/demo/wallet");
        using var present = await browser.PostJsonAsync("/demo/wallet/presentations", """{"request":"x.y."}""");
        using var started = await browser.PostJsonAsync("/api/enrollment", "{}");

        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        Assert.Equal("demo_wallet_disabled", (await page.Content.ReadFromJsonAsync<JsonObject>())!["code"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, present.StatusCode);
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        var body = (await started.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Null(body["demoWallet"]);
        Assert.False(Directory.Exists(Path.Combine(_factory.DataDirectory, "demo-issuer")));
        // No verifier certificate configured: no Development certificate is made, only the unsigned DC API request is offered.
        Assert.Equal(["openid4vp-v1-unsigned"], body["digitalCredentials"]!["digital"]!["requests"]!.AsArray().Select(r => r!["protocol"]!.GetValue<string>()));
        Assert.False(File.Exists(Path.Combine(_factory.DataDirectory, "enrollment-verifier.pem")));
    }

    private sealed class ProductionFactory : IdentityApiFactory
    {
        public ProductionFactory()
        {
            using var signing = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            Settings["Tokens:SigningKeys:0"] = signing.ExportPkcs8PrivateKeyPem();
            Settings["Tokens:EncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
            Settings["Tokens:PairwiseSecret"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
            Settings["Enrollment:PiiKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
            Settings["Enrollment:DocumentIndexKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
            Settings["Enrollment:DemoWallet"] = "true";
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseEnvironment("Production");
        }
    }
}
