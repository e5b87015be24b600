using System.Security.Cryptography;
using Identity.Api.Tokens;
using Identity.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenIddict.Abstractions;

namespace Identity.Tests.Tokens;

/// <summary>API instances that start together on one PostgreSQL token store, each seeding the same configured clients and networks.</summary>
public sealed class TokenStoreSeedingTests
{
    private const int Clients = 4;
    private const int Networks = 2;
    private const string Secret = "seeding-test-secret-0123456789abcdefghijklmnop";

    [Fact]
    public async Task Instances_starting_together_all_start_and_store_each_configured_client_and_network_once()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        var root = Directory.CreateTempSubdirectory("identity-seeding-");
        var settings = Settings(database.ConnectionString);
        var instances = Enumerable.Range(0, 3).Select(_ => Instance(settings, root.FullName)).ToList();
        try
        {
            using var together = new Barrier(instances.Count);
            await Task.WhenAll(instances.Select(instance => Task.Run(async () =>
            {
                var initializer = instance.Services.GetServices<IHostedService>().OfType<TokenStoreInitializer>().Single();
                together.SignalAndWait();
                await initializer.StartAsync(CancellationToken.None);
            })));

            await using var scope = instances[^1].Services.CreateAsyncScope();
            var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
            var clientIds = new List<string>();
            await foreach (var application in applications.ListAsync(count: null, offset: null))
            {
                clientIds.Add((await applications.GetClientIdAsync(application))!);
                Assert.True(await applications.ValidateClientSecretAsync(application, Secret));
            }
            var scopes = scope.ServiceProvider.GetRequiredService<IOpenIddictScopeManager>();
            var scopeNames = new List<string>();
            await foreach (var entry in scopes.ListAsync(count: null, offset: null))
            {
                scopeNames.Add((await scopes.GetNameAsync(entry))!);
            }

            Assert.Equal(Enumerable.Range(0, Clients).Select(i => $"seeded-client-{i}"), clientIds.Order(StringComparer.Ordinal));
            Assert.Equal(Enumerable.Range(0, Networks).Select(i => $"network:seeded-{i}"), scopeNames.Order(StringComparer.Ordinal));
        }
        finally
        {
            foreach (var instance in instances)
            {
                instance.Dispose();
            }
            root.Delete(recursive: true);
        }
    }

    /// <summary>The configuration of one API instance of the cluster: the shared token store, secrets and seed.</summary>
    private static Dictionary<string, string?> Settings(string postgres)
    {
        using var signing = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var settings = new Dictionary<string, string?>
        {
            ["Orleans:Mode"] = "Cluster",
            ["ConnectionStrings:Postgres"] = postgres,
            ["Tokens:SigningKeys:0"] = signing.ExportPkcs8PrivateKeyPem(),
            ["Tokens:EncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Tokens:PairwiseSecret"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        };
        for (var i = 0; i < Networks; i++)
        {
            settings[$"Tokens:Networks:{i}:Resource"] = $"https://network-{i}.example/fhir";
            settings[$"Tokens:Networks:{i}:Scope"] = $"network:seeded-{i}";
            settings[$"Tokens:Networks:{i}:Name"] = $"Network {i}";
        }
        for (var i = 0; i < Clients; i++)
        {
            settings[$"Tokens:Clients:{i}:ClientId"] = $"seeded-client-{i}";
            settings[$"Tokens:Clients:{i}:Type"] = "confidential";
            settings[$"Tokens:Clients:{i}:ClientSecret"] = Secret;
            settings[$"Tokens:Clients:{i}:GrantTypes:0"] = "client_credentials";
            settings[$"Tokens:Clients:{i}:Scopes:0"] = $"network:seeded-{i % Networks}";
        }
        return settings;
    }

    /// <summary>An instance's token service as Identity.Api registers it (AddTokenService), without the web host around it.</summary>
    private static IHost Instance(Dictionary<string, string?> settings, string contentRoot)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            EnvironmentName = Environments.Production,
            ContentRootPath = contentRoot,
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddTokenService();
        return builder.Build();
    }
}
