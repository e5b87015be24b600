using System.Net;
using Identity.Grains;
using Identity.Grains.Consent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Hosting.Kubernetes;
using Orleans.Serialization;
using Orleans.Storage;

namespace Identity.Silo;

public static class SiloHostingExtensions
{
    /// <summary>Time the host gives Orleans to deactivate grains and leave the cluster on shutdown.</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Adds the Orleans silo configured from the <c>Orleans</c> section: embedded (localhost
    /// clustering, SQLite grain storage) or cluster (ADO.NET clustering and grain storage on PostgreSQL).
    /// </summary>
    public static IHostApplicationBuilder AddIdentitySilo(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(SiloOptions.Section).Get<SiloOptions>() ?? new SiloOptions();
        var database = SiloDatabase.FromConfiguration(builder.Configuration, options.Mode, builder.Environment.ContentRootPath);

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(options);
        builder.Services.AddSiloDatabase(database);
        builder.Services.Configure<HostOptions>(host =>
        {
            if (host.ShutdownTimeout < ShutdownTimeout)
            {
                host.ShutdownTimeout = ShutdownTimeout;
            }
        });

        builder.UseOrleans(silo =>
        {
            if (options.Mode == SiloMode.Embedded)
            {
                silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, null, options.ServiceId, options.ClusterId);
            }
            else
            {
                var advertised = ParseAddress(options.AdvertisedIPAddress) ?? IPAddress.Loopback;
                silo.Configure<ClusterOptions>(cluster =>
                {
                    cluster.ClusterId = options.ClusterId;
                    cluster.ServiceId = options.ServiceId;
                });
                silo.ConfigureEndpoints(advertised, options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(advertised));
                silo.UseAdoNetClustering(clustering =>
                {
                    clustering.Invariant = database.Invariant;
                    clustering.ConnectionString = database.ConnectionString;
                });
                if (IsInKubernetes(builder.Configuration))
                {
                    // Silo name = pod name, and silos whose pod is gone are declared dead at once (k8s/ grants the RBAC).
                    silo.UseKubernetesHosting();
                }
            }

            silo.AddAdoNetGrainStorage(GrainStorage.Name, storage => storage.Configure<Serializer>((adoNet, serializer) =>
            {
                adoNet.Invariant = database.Invariant;
                adoNet.ConnectionString = database.ConnectionString;
                // Orleans' own format follows the [Id] numbering of the state records, so fields can be added later.
                adoNet.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
            }));
        });
        return builder;
    }

    /// <summary>
    /// The silo's database: its schema installed at start-up, and the consent query projection kept in it (written by
    /// the patient consent grains, repaired and back-filled by <see cref="ConsentProjectionRepair"/>).
    /// </summary>
    public static IServiceCollection AddSiloDatabase(this IServiceCollection services, SiloDatabase database)
    {
        services.AddSingleton(database);
        services.AddSingleton<SqlSchemaInstaller>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(provider => provider.GetRequiredService<SqlSchemaInstaller>());
        services.AddSingleton<IConsentProjection, SqlConsentProjection>();
        services.AddSingleton<ConsentProjectionRepair>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(provider => provider.GetRequiredService<ConsentProjectionRepair>());
        return services;
    }

    /// <summary>True when the downward API gave this process its pod's namespace (see <c>k8s/base</c>).</summary>
    public static bool IsInKubernetes(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration[KubernetesHostingOptions.PodNamespaceEnvironmentVariable]);

    private static IPAddress? ParseAddress(string? value) =>
        string.IsNullOrWhiteSpace(value) ? null
        : IPAddress.TryParse(value, out var address) ? address
        : throw new InvalidOperationException($"Orleans:AdvertisedIPAddress '{value}' is not an IP address.");
}
