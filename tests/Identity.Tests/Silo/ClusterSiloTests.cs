using Identity.Tests.Infrastructure;
using Identity.Grains.Passkeys;
using Identity.Grains.Patients;
using Npgsql;

namespace Identity.Tests.Silo;

[Collection(PostgresSiloCollection.Name)]
public sealed class ClusterSiloTests : IAsyncLifetime
{
    private PostgresDatabase _database = null!;
    private readonly string _clusterId = "identity-tests-" + Guid.NewGuid().ToString("N")[..8];

    public async Task InitializeAsync() => _database = await PostgresDatabase.CreateAsync();

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task Grain_state_survives_a_silo_restart_on_PostgreSQL()
    {
        var settings = TestSilo.Cluster(_database.ConnectionString, _clusterId);
        var patientId = Guid.NewGuid();
        var passkey = TestPasskeys.New();

        await using var first = await TestSilo.StartAsync(settings);
        await using var second = await TestSilo.StartAsync(settings);
        Assert.Equal(2, await SilosWithStatusAsync(Active));
        var patient = first.Grains.GetGrain<IPatientGrain>(patientId);
        await patient.CreateUnverifiedAsync();
        Assert.Equal(PasskeyChange.Done, await patient.AddOrUpdatePasskeyAsync(passkey));

        // Whichever silo held the grain, after this stop it lives on the second one.
        await first.StopAsync();
        Assert.Equal(1, await SilosWithStatusAsync(Dead));
        var handedOver = second.Grains.GetGrain<IPatientGrain>(patientId);
        var seenBySecond = await handedOver.GetAsync();
        Assert.NotNull(seenBySecond);
        Assert.Equal(passkey.CredentialId, Assert.Single(seenBySecond.Passkeys).CredentialId);
        // A further write proves the new activation holds the stored version (no InconsistentStateException).
        Assert.Equal(PasskeyChange.Done, await handedOver.AddOrUpdatePasskeyAsync(passkey with { SignCount = 7 }));

        await using var restarted = await TestSilo.StartAsync(settings);
        await second.StopAsync();
        Assert.Equal((1, 2), (await SilosWithStatusAsync(Active), await SilosWithStatusAsync(Dead)));
        var seenAfterRestart = await restarted.Grains.GetGrain<IPatientGrain>(patientId).GetAsync();

        Assert.NotNull(seenAfterRestart);
        var stored = Assert.Single(seenAfterRestart.Passkeys);
        Assert.Equal(passkey.CredentialId, stored.CredentialId);
        Assert.Equal(7u, stored.SignCount);
    }

    private const int Active = 3;
    private const int Dead = 6;

    private async Task<long> SilosWithStatusAsync(int status)
    {
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM OrleansMembershipTable WHERE DeploymentId = @cluster AND Status = @status", connection);
        command.Parameters.AddWithValue("cluster", _clusterId);
        command.Parameters.AddWithValue("status", status);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Silo_logs_do_not_contain_the_database_password()
    {
        // The test server trusts local connections, so any password is accepted and ignored.
        const string password = "pw-that-must-not-be-logged-4711";
        var connectionString = new NpgsqlConnectionStringBuilder(_database.ConnectionString) { Password = password }.ConnectionString;
        using var logs = new CapturedLogs();

        await using (var silo = await TestSilo.StartAsync(TestSilo.Cluster(connectionString, _clusterId), logs))
        {
            var patient = silo.Grains.GetGrain<IPatientGrain>(Guid.NewGuid());
            await patient.CreateUnverifiedAsync();
        }

        Assert.NotEmpty(logs.Messages);
        Assert.DoesNotContain(logs.Messages, message => message.Contains(password, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cluster_mode_without_a_PostgreSQL_connection_string_fails_with_a_clear_message()
    {
        var settings = TestSilo.Cluster(_database.ConnectionString, _clusterId);
        settings.Remove("ConnectionStrings:Postgres");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => TestSilo.StartAsync(settings));

        Assert.Contains("ConnectionStrings:Postgres", error.Message, StringComparison.Ordinal);
    }
}
