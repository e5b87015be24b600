using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Identity.Tests.Infrastructure;

/// <summary>
/// The real service in embedded mode (co-hosted silo, SQLite in a temp folder) for HTTP and browser tests.
/// Each factory gets its own database file and Orleans ports so factories can run side by side.
/// </summary>
public class IdentityApiFactory : WebApplicationFactory<Program>
{
    /// <summary>Where the SQLite database lives; hand the same folder to a second factory to restart the service on its data.</summary>
    public string DataDirectory { get; init; } = Directory.CreateTempSubdirectory("identity-api-").FullName;

    /// <summary>Keep <see cref="DataDirectory"/> when this factory is disposed.</summary>
    public bool KeepData { get; init; }

    /// <summary>The service's clock: real time, shifted when a test needs a session to age.</summary>
    public ShiftedTimeProvider Clock { get; } = new();

    /// <summary>The origin browsers use: WebAuthn refuses IP addresses as RP IDs, so it is <c>localhost</c>.</summary>
    public string Origin { get; private set; } = "http://localhost";

    /// <summary>Authentication attempts allowed per client address per minute.</summary>
    public int AuthenticationPermitLimit { get; init; } = 10_000;

    public Dictionary<string, string?> Settings { get; } = [];

    /// <summary>Every log message the service writes, at every level.</summary>
    public CapturedLogs Logs { get; } = new();

    /// <summary>Starts Kestrel on a free loopback port (for a real browser) and returns the base address.</summary>
    public Uri StartKestrel()
    {
        var port = FreeTcpPort();
        Origin = $"http://localhost:{port}";
        UseKestrel(port);
        StartServer();
        return new Uri(Origin);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Sqlite"] = $"Data Source={Path.Combine(DataDirectory, "identity.db")}",
            ["DataProtection:KeysDirectory"] = Path.Combine(DataDirectory, "keys"),
            ["Orleans:Mode"] = "Embedded",
            ["Orleans:SiloPort"] = FreeTcpPort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans:GatewayPort"] = FreeTcpPort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Passkeys:ServerDomain"] = "localhost",
            ["Passkeys:Origins:0"] = Origin,
            ["RateLimits:Authentication:PermitLimit"] = AuthenticationPermitLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in Settings)
        {
            settings[key] = value;
        }
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
        builder.ConfigureLogging(logging => logging.AddProvider(Logs).SetMinimumLevel(LogLevel.Trace));
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        GC.SuppressFinalize(this);
        if (KeepData)
        {
            return;
        }
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may hold the file a moment longer; the OS cleans temp folders.
        }
    }

    public static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
