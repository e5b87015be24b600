using Identity.Grains;
using Identity.Silo;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Identity.Tests.Grains;

/// <summary>
/// An in-process Orleans test cluster (two silos, memory grain storage) shared by the grain tests; the consent query
/// projection is the real one, on a SQLite file the two silos share.
/// </summary>
public sealed class GrainClusterFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; } = new TestClusterBuilder(2).AddSiloBuilderConfigurator<SiloConfigurator>().Build();

    public IGrainFactory Grains => Cluster.GrainFactory;

    public Task InitializeAsync() => Cluster.DeployAsync();

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        private static readonly string Directory = System.IO.Directory.CreateTempSubdirectory("identity-grains-").FullName;

        public void Configure(ISiloBuilder siloBuilder) => siloBuilder
            .AddMemoryGrainStorage(GrainStorage.Name)
            .ConfigureServices(services => services
                .AddSingleton(TimeProvider.System)
                .AddSiloDatabase(SiloDatabase.Sqlite($"Data Source={Path.Combine(Directory, "grains.db")}", Directory)));
    }
}
