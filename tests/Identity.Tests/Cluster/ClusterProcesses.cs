using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using Identity.Silo;
using Identity.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Orleans.Configuration;

namespace Identity.Tests.Cluster;

/// <summary>
/// A cluster of real processes on loopback, run exactly as README "Running as a cluster" says: N standalone silos
/// (<c>Identity.Silo.dll</c>) and M API processes (<c>Identity.Api.dll</c>, each co-hosting a silo of its own), all on
/// one PostgreSQL database and one Redis; the APIs trust the IACA of <see cref="Wallet"/>, whose licences enrol. Every
/// process is killed on dispose, whatever happened in the test.
/// </summary>
public sealed class ClusterProcesses : IAsyncDisposable
{
    /// <summary>The origin every API is configured with, as if a load balancer sat in front of them.</summary>
    public const string Origin = Ceremonies.Origin;

    private const int ActiveStatus = 3;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly List<ClusterProcess> _silos = [];
    private readonly List<ClusterProcess> _apis = [];
    private readonly Dictionary<string, string> _common;
    private readonly Func<ValueTask> _dropDatabase;
    private readonly HttpClient _probe = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly DirectoryInfo _trust = Directory.CreateTempSubdirectory("identity-cluster-trust-");
    private IHost? _client;

    private ClusterProcesses(string postgres, string redis, Func<ValueTask> dropDatabase)
    {
        Postgres = postgres;
        Redis = redis;
        _dropDatabase = dropDatabase;
        ClusterId = "cluster-tests-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        using var signing = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        File.WriteAllText(Path.Combine(_trust.FullName, "test-iaca.pem"), Wallet.Iaca.ExportCertificatePem());
        _common = new Dictionary<string, string>
        {
            ["Orleans__Mode"] = "Cluster",
            ["Orleans__ClusterId"] = ClusterId,
            ["Orleans__ServiceId"] = ServiceId,
            ["ConnectionStrings__Postgres"] = postgres,
            // Five processes on two cores: workstation GC keeps each one small and leaves the cores to the work.
            ["DOTNET_gcServer"] = "0",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Orleans"] = "Warning",
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
            // Secrets every API process must share (in Development they would otherwise be generated per content root).
            ["Enrollment__PiiKey"] = Secret(32),
            ["Enrollment__DocumentIndexKey"] = Secret(32),
            ["Tokens__SigningKeys__0"] = signing.ExportPkcs8PrivateKeyPem(),
            ["Tokens__EncryptionKey"] = Secret(32),
            ["Tokens__PairwiseSecret"] = Secret(32),
        };
    }

    public const string ServiceId = "identity-cluster-tests";

    public string ClusterId { get; }

    /// <summary>An issuing authority and wallet whose IACA every API trusts (<c>Enrollment__TrustFolder</c>).</summary>
    public TestWallet Wallet { get; } = new(DateTimeOffset.UtcNow);

    /// <summary>Connection string of the cluster's database.</summary>
    public string Postgres { get; }

    public string Redis { get; }

    public IReadOnlyList<ClusterProcess> Silos => _silos;

    public IReadOnlyList<ClusterProcess> Apis => _apis;

    /// <summary>Base addresses of the API processes (<c>http://127.0.0.1:port</c>).</summary>
    public IReadOnlyList<Uri> ApiAddresses => [.. _apis.Select(api => new Uri(api.Environment["ASPNETCORE_URLS"]))];

    /// <summary>
    /// Starts <paramref name="silos"/> silos and <paramref name="apis"/> APIs on a fresh database of the test PostgreSQL
    /// (or of <paramref name="postgresServer"/>) and the given Redis (the test Redis by default); returns when every
    /// silo is Active in the membership table and every API answers /health/ready.
    /// </summary>
    public static async Task<ClusterProcesses> StartAsync(int silos, int apis, string? redis = null, PostgresServer? postgresServer = null)
    {
        ClusterProcesses cluster;
        if (postgresServer is null)
        {
            var database = await PostgresDatabase.CreateAsync();
            cluster = new ClusterProcesses(Pooled(database.ConnectionString), redis ?? TestEnvironment.Redis, database.DisposeAsync);
        }
        else
        {
            cluster = new ClusterProcesses(Pooled(await postgresServer.CreateDatabaseAsync()), redis ?? TestEnvironment.Redis, () => ValueTask.CompletedTask);
        }
        try
        {
            for (var i = 0; i < silos; i++)
            {
                cluster.AddSilo();
            }
            for (var i = 0; i < apis; i++)
            {
                cluster.AddApi();
            }
            // Every process starts at once, as after a deployment: the silos' schema installer and the APIs' token store
            // migrations and client seed each serialize themselves.
            await Task.WhenAll(cluster._silos.Select(cluster.StartSiloAsync).Concat(cluster._apis.Select(cluster.StartApiAsync)));
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts (or restarts) a silo and waits until it is Active in the membership table.</summary>
    public async Task StartSiloAsync(ClusterProcess silo)
    {
        silo.Start();
        var port = int.Parse(silo.Environment["Orleans__SiloPort"], CultureInfo.InvariantCulture);
        await WaitAsync(silo, async () => await SiloStatusAsync(port) == ActiveStatus, "Active in the membership table");
    }

    /// <summary>Starts (or restarts) an API and waits until /health/ready answers 200.</summary>
    public async Task StartApiAsync(ClusterProcess api)
    {
        api.Start();
        var ready = new Uri(new Uri(api.Environment["ASPNETCORE_URLS"]), "/health/ready");
        await WaitAsync(api, async () =>
        {
            try
            {
                using var response = await _probe.GetAsync(ready);
                return response.StatusCode == HttpStatusCode.OK;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }, "ready (/health/ready 200)");
    }

    /// <summary>Gracefully stops a silo (SIGTERM), moves it to fresh ports and starts it again.</summary>
    public async Task RestartSiloGracefullyAsync(ClusterProcess silo)
    {
        await silo.TerminateAsync(SiloHostingExtensions.ShutdownTimeout + TimeSpan.FromSeconds(10));
        silo.Environment["Orleans__SiloPort"] = Port();
        silo.Environment["Orleans__GatewayPort"] = Port();
        await StartSiloAsync(silo);
    }

    /// <summary>Membership status of the newest silo generation on <paramref name="siloPort"/> (3 Active, 6 Dead), or null.</summary>
    public async Task<int?> SiloStatusAsync(int siloPort)
    {
        try
        {
            await using var connection = new NpgsqlConnection(Postgres);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                "SELECT Status FROM OrleansMembershipTable WHERE DeploymentId = @cluster AND Port = @port ORDER BY Generation DESC LIMIT 1",
                connection);
            command.Parameters.AddWithValue("cluster", ClusterId);
            command.Parameters.AddWithValue("port", siloPort);
            return await command.ExecuteScalarAsync() is int status ? status : null;
        }
        catch (Exception e) when (e is NpgsqlException or PostgresException)
        {
            // The table does not exist before the first silo installed the schema.
            return null;
        }
    }

    /// <summary>An Orleans client of the cluster (through the silos' gateways), for management queries.</summary>
    public async Task<IClusterClient> ClientAsync()
    {
        if (_client is null)
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.UseOrleansClient(client =>
            {
                client.Configure<ClusterOptions>(options =>
                {
                    options.ClusterId = ClusterId;
                    options.ServiceId = ServiceId;
                });
                client.UseAdoNetClustering(options =>
                {
                    options.Invariant = SiloDatabase.PostgresInvariant;
                    options.ConnectionString = Postgres;
                });
            });
            _client = builder.Build();
            await _client.StartAsync();
        }
        return _client.Services.GetRequiredService<IClusterClient>();
    }

    /// <summary>
    /// Every grain of this service with more than one activation in the cluster right now (Orleans' management grain
    /// asks each active silo for its activations); empty when each grain lives at most once.
    /// </summary>
    public async Task<IReadOnlyList<string>> DuplicateActivationsAsync()
    {
        var client = await ClientAsync();
        var activations = await client.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        return [.. activations
            .Where(a => a.GrainType.StartsWith("Identity.Grains", StringComparison.Ordinal))
            .GroupBy(a => a.GrainId)
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key} on {string.Join(", ", g.Select(a => a.SiloAddress))}")];
    }

    /// <summary>How many activations of this service's grains each silo holds.</summary>
    public async Task<int> ActivationCountAsync(string grainTypeSuffix)
    {
        var client = await ClientAsync();
        var activations = await client.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        return activations.Count(a => a.GrainType.EndsWith(grainTypeSuffix, StringComparison.Ordinal));
    }

    /// <summary>The last output lines of every process, for failure messages.</summary>
    public string Diagnostics(int lines = 40) => string.Join("\n", _silos.Concat(_apis).Select(p => p.Output(lines)));

    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            try
            {
                await _client.StopAsync(new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token);
            }
            catch (Exception e) when (e is OperationCanceledException or OrleansException)
            {
                // The cluster may already be gone.
            }
            _client.Dispose();
        }
        await Task.WhenAll(_silos.Concat(_apis).Select(p => p.DisposeAsync().AsTask()));
        _probe.Dispose();
        Wallet.Dispose();
        _trust.Delete(recursive: true);
        await _dropDatabase();
    }

    private ClusterProcess AddSilo()
    {
        var environment = new Dictionary<string, string>(_common)
        {
            ["Orleans__SiloPort"] = Port(),
            ["Orleans__GatewayPort"] = Port(),
            ["DOTNET_ENVIRONMENT"] = "Production",
        };
        var silo = new ClusterProcess($"silo-{_silos.Count + 1}", BuildOutput("Identity.Silo"), Path.GetDirectoryName(BuildOutput("Identity.Silo"))!, environment);
        _silos.Add(silo);
        return silo;
    }

    private ClusterProcess AddApi()
    {
        var assembly = BuildOutput("Identity.Api");
        var contentRoot = Path.GetDirectoryName(assembly)!;
        var environment = new Dictionary<string, string>(_common)
        {
            ["Orleans__SiloPort"] = Port(),
            ["Orleans__GatewayPort"] = Port(),
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{Port()}",
            // Development: cookies without Secure over plain http on loopback; the configured secrets above still apply.
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["ASPNETCORE_CONTENTROOT"] = contentRoot,
            ["ConnectionStrings__Redis"] = Redis,
            ["Passkeys__ServerDomain"] = "localhost",
            ["Passkeys__Origins__0"] = Origin,
            // One issuer for every instance behind the load balancer: a token issued by one introspects active at any other.
            ["Tokens__Issuer"] = Origin,
            ["RateLimits__Authentication__PermitLimit"] = "1000000",
            ["Enrollment__TrustFolder"] = _trust.FullName,
        };
        var api = new ClusterProcess($"api-{_apis.Count + 1}", assembly, contentRoot, environment);
        _apis.Add(api);
        return api;
    }

    private static async Task WaitAsync(ClusterProcess process, Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (!process.IsRunning)
            {
                throw new InvalidOperationException($"{process.Name} exited with code {process.ExitCode} before it was {what}.\n{process.Output()}");
            }
            if (await condition())
            {
                return;
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"{process.Name} was not {what} within {StartTimeout.TotalSeconds:0} s.\n{process.Output()}");
    }

    /// <summary>The product's build output next to this test assembly's configuration (Debug or Release).</summary>
    private static string BuildOutput(string project)
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testOutput.Name;
        var configuration = testOutput.Parent!.Name;
        var repository = testOutput;
        while (repository is not null && !File.Exists(Path.Combine(repository.FullName, "IdentityConsent.sln")))
        {
            repository = repository.Parent;
        }
        var path = Path.Combine(repository?.FullName ?? throw new InvalidOperationException("IdentityConsent.sln not found above the test output."),
            "src", project, "bin", configuration, framework, project + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build {project} ({configuration}) first: {path} is missing.", path);
    }

    // Several processes share the server; a small pool per process keeps the total under max_connections.
    private static string Pooled(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = 10 }.ConnectionString;

    private static string Port() => IdentityApiFactory.FreeTcpPort().ToString(CultureInfo.InvariantCulture);

    private static string Secret(int bytes) => Convert.ToBase64String(RandomNumberGenerator.GetBytes(bytes));
}
