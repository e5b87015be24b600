using Identity.Silo;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Hosting.Kubernetes;

namespace Identity.Tests.Kubernetes;

public sealed class KubernetesHostingTests
{
    [Theory]
    [InlineData("Cluster", "identityconsent", true)]
    [InlineData("Cluster", null, false)]
    [InlineData("Embedded", "identityconsent", false)]
    public void Orleans_Kubernetes_hosting_is_used_only_by_a_cluster_silo_inside_a_pod(string mode, string? podNamespace, bool expected)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = Path.GetTempPath() });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Orleans:Mode"] = mode,
            ["ConnectionStrings:Postgres"] = "Host=127.0.0.1;Database=unused",
            ["ConnectionStrings:Sqlite"] = "Data Source=" + Path.Combine(Path.GetTempPath(), "unused.db"),
            [KubernetesHostingOptions.PodNamespaceEnvironmentVariable] = podNamespace,
        });

        builder.AddIdentitySilo();

        Assert.Equal(expected, builder.Services.Any(s => s.ServiceType == typeof(IValidateOptions<KubernetesHostingOptions>)));
    }
}
