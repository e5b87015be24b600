using Identity.Grains;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Identity.Tests.Grains;

/// <summary>An in-process Orleans test cluster (two silos, memory storage) shared by the grain tests.</summary>
public sealed class GrainClusterFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; } = new TestClusterBuilder(2).AddSiloBuilderConfigurator<SiloConfigurator>().Build();

    public IGrainFactory Grains => Cluster.GrainFactory;

    public Task InitializeAsync() => Cluster.DeployAsync();

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) => siloBuilder
            .AddMemoryGrainStorage(GrainStorage.Name)
            .ConfigureServices(services => services.AddSingleton(TimeProvider.System));
    }
}
