using System.Net;
using System.Net.Sockets;
using Identity.Silo;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Identity.Tests.Silo;

/// <summary>A silo host built exactly as the product builds it (<c>AddIdentitySilo</c>), on free ports.</summary>
internal sealed class TestSilo : IAsyncDisposable
{
    private readonly IHost _host;
    private bool _stopped;

    private TestSilo(IHost host) => _host = host;

    public IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

    public IServiceProvider Services => _host.Services;

    public static Dictionary<string, string?> Embedded(string sqliteFile) => new()
    {
        ["Orleans:Mode"] = "Embedded",
        ["ConnectionStrings:Sqlite"] = $"Data Source={sqliteFile}",
    };

    public static Dictionary<string, string?> Cluster(string postgres, string clusterId) => new()
    {
        ["Orleans:Mode"] = "Cluster",
        ["Orleans:ClusterId"] = clusterId,
        ["Orleans:ServiceId"] = "identity-tests",
        ["ConnectionStrings:Postgres"] = postgres,
    };

    /// <summary>Starts a silo; <paramref name="services"/> may replace product services with test doubles (after the product registered its own).</summary>
    public static async Task<TestSilo> StartAsync(Dictionary<string, string?> settings, ILoggerProvider? logs = null, Action<IServiceCollection>? services = null)
    {
        var contentRoot = Directory.CreateTempSubdirectory("identity-silo-").FullName;
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            ContentRootPath = contentRoot,
            EnvironmentName = Environments.Development,
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Orleans:SiloPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans:GatewayPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        if (logs is not null)
        {
            builder.Logging.SetMinimumLevel(LogLevel.Debug).AddProvider(logs);
        }
        builder.AddIdentitySilo();
        services?.Invoke(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        return new TestSilo(host);
    }

    /// <summary>Graceful stop: grains are deactivated and the silo leaves the cluster.</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _host.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _host.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
