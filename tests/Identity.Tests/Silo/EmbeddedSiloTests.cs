using Identity.Grains.Passkeys;
using Identity.Grains.Patients;
using Microsoft.Data.Sqlite;

namespace Identity.Tests.Silo;

public sealed class EmbeddedSiloTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("identity-sqlite-");

    // A folder that does not exist yet: the silo must create it, as it does for ./data.
    private string DatabaseFile => Path.Combine(_directory.FullName, "data", "identity.db");

    [Fact]
    public async Task Grain_state_survives_a_silo_restart_on_SQLite()
    {
        var patientId = Guid.NewGuid();
        var passkey = TestPasskeys.New();

        await using (var silo = await TestSilo.StartAsync(TestSilo.Embedded(DatabaseFile)))
        {
            var patient = silo.Grains.GetGrain<IPatientGrain>(patientId);
            await patient.CreateUnverifiedAsync();
            Assert.Equal(PasskeyChange.Done, await patient.AddOrUpdatePasskeyAsync(passkey));
        }

        await using (var restarted = await TestSilo.StartAsync(TestSilo.Embedded(DatabaseFile)))
        {
            var snapshot = await restarted.Grains.GetGrain<IPatientGrain>(patientId).GetAsync();

            Assert.NotNull(snapshot);
            var stored = Assert.Single(snapshot.Passkeys);
            Assert.Equal(passkey.CredentialId, stored.CredentialId);
            Assert.Equal(passkey.PublicKeyCose, stored.PublicKeyCose);
            Assert.Equal(passkey.Aaguid, stored.Aaguid);
            Assert.Equal(passkey.Transports, stored.Transports);
        }
    }

    [Fact]
    public async Task SQLite_database_is_in_WAL_mode()
    {
        await using (await TestSilo.StartAsync(TestSilo.Embedded(DatabaseFile)))
        {
        }

        await using var connection = new SqliteConnection($"Data Source={DatabaseFile}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync());
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _directory.Delete(recursive: true);
    }
}
