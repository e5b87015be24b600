using System.Collections.Immutable;
using System.Data.Common;
using System.Text.Json.Nodes;
using Identity.Api.Consent;
using Identity.Grains;
using Identity.Grains.Consent;
using Identity.Silo;
using Identity.Tests.Infrastructure;
using Identity.Tests.Silo;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;
using Orleans.Storage;

namespace Identity.Tests.Consent;

/// <summary>
/// The consent query projection on a silo built as the product builds it, on a fresh database per test: written by the patient
/// consent grains, searched across patients, repaired after a failed update, back-filled from the former consent directory.
/// </summary>
public abstract class ConsentProjectionTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Later = DateTimeOffset.UtcNow.AddDays(1);

    private TestSilo? _silo;

    protected abstract Dictionary<string, string?> Settings { get; }

    private TestSilo Silo => _silo!;

    private IGrainFactory Grains => Silo.Grains;

    private IConsentProjection Projection => Silo.Services.GetRequiredService<IConsentProjection>();

    private FlakyConsentProjection Flaky => (FlakyConsentProjection)Projection;

    public virtual async Task InitializeAsync() => _silo = await StartSiloAsync();

    public virtual async Task DisposeAsync()
    {
        if (_silo is not null)
        {
            await _silo.DisposeAsync();
        }
    }

    [Fact]
    public async Task Create_update_and_withdraw_are_projected_and_history_lists_every_version()
    {
        var patient = Guid.NewGuid();
        var grain = Grains.GetGrain<IPatientConsentGrain>(patient);
        var id = Guid.NewGuid().ToString("D");
        var actor = UniqueActor();
        var json = WithActor(ConsentVectors.ForPatient(ConsentVectors.Valid("svc-permit-network-treat.json"), patient), actor);

        await grain.CreateAsync(id, json, "test");
        var created = await Projection.SearchAsync(new ConsentProjectionQuery { Actors = [actor] });
        await grain.UpdateAsync(id, json, 1, "test");
        var updated = await Projection.SearchAsync(new ConsentProjectionQuery { Actors = [actor], Statuses = ["active"] });
        await grain.WithdrawAsync(id, "test");

        Assert.Equal(new ConsentProjectionHit(id, patient, 1), Assert.Single(created.Hits));
        Assert.Equal(new ConsentProjectionHit(id, patient, 2), Assert.Single(updated.Hits));
        Assert.Equal(0, (await Projection.SearchAsync(new ConsentProjectionQuery { Actors = [actor], Statuses = ["active"] })).Total);
        Assert.Equal(new ConsentProjectionHit(id, patient, 3),
            Assert.Single((await Projection.SearchAsync(new ConsentProjectionQuery { Actors = [actor], Statuses = ["inactive"] })).Hits));
        Assert.Equal(patient, await Grains.GetGrain<IConsentSearchGrain>(0).PatientOfAsync(id));
        Assert.Null(await Grains.GetGrain<IConsentSearchGrain>(0).PatientOfAsync(Guid.NewGuid().ToString("D")));
        var history = await Grains.GetGrain<IConsentSearchGrain>(0).HistoryAsync(null, 0, 10);
        Assert.Equal(3, history.Total);
        Assert.Equal([3, 2, 1], history.Hits.Select(h => h.VersionId));
        Assert.Empty(await Projection.PendingPatientsAsync(Later, 10));
    }

    [Fact]
    public async Task An_id_of_another_patient_is_refused_and_stays_with_its_patient()
    {
        var (first, second) = (Guid.NewGuid(), Guid.NewGuid());
        var id = Guid.NewGuid().ToString("D");

        var created = await Grains.GetGrain<IPatientConsentGrain>(first).CreateAsync(id,
            ConsentVectors.ForPatient(ConsentVectors.Valid("svc-deny-clinic-b.json"), first), "test");
        var duplicate = await Grains.GetGrain<IPatientConsentGrain>(second).CreateAsync(id,
            ConsentVectors.ForPatient(ConsentVectors.Valid("svc-deny-clinic-b.json"), second), "test");

        Assert.Equal((ConsentWriteStatus.Done, ConsentWriteStatus.AlreadyExists), (created.Status, duplicate.Status));
        Assert.Empty(await Grains.GetGrain<IPatientConsentGrain>(second).HistoryAsync());
        Assert.Equal(first, await Projection.PatientOfAsync(id));
        Assert.False(await Projection.ClaimAsync(id, second, 1, DateTimeOffset.UtcNow));
    }

    [Fact]
    public async Task Search_across_patients_is_counted_and_paged_in_the_database()
    {
        var actor = UniqueActor();
        var ids = new List<string>();
        foreach (var patient in new[] { Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid() })
        {
            foreach (var file in new[] { "svc-permit-network-treat.json", "svc-permit-inactive.json" })
            {
                var id = Guid.NewGuid().ToString("D");
                await Grains.GetGrain<IPatientConsentGrain>(patient).CreateAsync(id, WithActor(ConsentVectors.ForPatient(ConsentVectors.Valid(file), patient), actor), "test");
                ids.Add(id);
            }
        }
        var search = Grains.GetGrain<IConsentSearchGrain>(0);

        var pages = new List<ConsentProjectionPage>();
        for (var offset = 0; offset < 6; offset += 2)
        {
            pages.Add(await search.SearchAsync(new ConsentProjectionQuery { Actors = [actor], Offset = offset, Count = 2 }));
        }
        var active = await search.SearchAsync(new ConsentProjectionQuery { Actors = [actor], Statuses = ["active"], Count = 10 });
        var totalOnly = await search.SearchAsync(new ConsentProjectionQuery { Actors = [actor], Count = 0 });

        Assert.All(pages, p => Assert.Equal((6, 2), (p.Total, p.Hits.Length)));
        // Ordered by last update: the order they were written in.
        Assert.Equal(ids, pages.SelectMany(p => p.Hits).Select(h => h.ConsentId));
        Assert.Equal(3, active.Total);
        Assert.Equal(3, active.Hits.Select(h => h.Patient).Distinct().Count());
        Assert.Equal((6, 0), (totalOnly.Total, totalOnly.Hits.Length));
    }

    [Fact]
    public async Task Projection_search_matches_exactly_what_the_in_memory_search_matches()
    {
        var patient = Guid.NewGuid();
        var grain = Grains.GetGrain<IPatientConsentGrain>(patient);
        foreach (var file in ConsentVectors.ValidFiles())
        {
            Assert.Equal(ConsentWriteStatus.Done, (await grain.CreateAsync(Guid.NewGuid().ToString("D"), ConsentVectors.ForPatient(ConsentVectors.Valid(file), patient), "test")).Status);
        }
        var current = await grain.CurrentAsync();
        string[] queries =
        [
            "", "status=active", "status=inactive,rejected", "actor=Organization/f001", "actor=Organization/clinic-b,Practitioner/13",
            "purpose=TREAT", "purpose=http://terminology.hl7.org/CodeSystem/v3-ActReason|ETREAT", "purpose=BTG&actor=Organization/network-a",
            "date=2015-11-18", "date=ne2015-11-18", "date=lt2016", "date=gt2016-05-26", "date=le2016-05-26", "date=ge2016-05-26T04:41:10Z",
            "date=sa2016-01&date=eb2025", "date=2016-06-23T07:02:33Z", "status=active&purpose=TREAT&date=ge2025-01-01",
        ];

        foreach (var query in queries)
        {
            var (search, error) = ConsentSearch.Parse(new QueryCollection(Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(query)));
            Assert.True(search is not null, error);
            var expected = current.Where(v => search.Matches(ConsentResourceReader.Read(v.Json).Consent!)).Select(v => v.ConsentId).Order().ToList();
            var found = await Projection.SearchAsync(search.ToProjectionQuery() with { Count = 500 });
            Assert.True(expected.SequenceEqual(found.Hits.Select(h => h.ConsentId).Order()), $"{query}: {expected.Count} in memory, {found.Total} in the projection");
            Assert.Equal(expected.Count, found.Total);
        }
    }

    [Fact]
    public async Task Search_values_that_look_like_SQL_are_only_compared_as_values()
    {
        var patient = Guid.NewGuid();
        await Grains.GetGrain<IPatientConsentGrain>(patient).CreateAsync(Guid.NewGuid().ToString("D"),
            ConsentVectors.ForPatient(ConsentVectors.Valid("svc-permit-network-treat.json"), patient), "test");

        var hostile = await Projection.SearchAsync(new ConsentProjectionQuery
        {
            Statuses = ["active') OR 1=1; DROP TABLE consent_projection; --"],
            Actors = ["x' OR '1'='1"],
            Purposes = ["TREAT\"); DELETE FROM consent_projection_version; --"],
        });
        var anyone = await Projection.SearchAsync(new ConsentProjectionQuery { Actors = ["' OR 1=1 --"] });

        Assert.Equal((0, 0), (hostile.Total, anyone.Total));
        Assert.True((await Projection.SearchAsync(new ConsentProjectionQuery { Statuses = ["active"] })).Total >= 1);
        Assert.True((await Projection.HistoryAsync(null, 0, 10)).Total >= 1);
    }

    [Fact]
    public async Task A_failed_projection_update_is_made_good_by_the_repair_pass()
    {
        var patient = Guid.NewGuid();
        var grain = Grains.GetGrain<IPatientConsentGrain>(patient);
        var id = Guid.NewGuid().ToString("D");
        var actor = UniqueActor();
        var json = WithActor(ConsentVectors.ForPatient(ConsentVectors.Valid("svc-permit-network-treat.json"), patient), actor);

        Flaky.FailNextProjections = 1;
        var created = await grain.CreateAsync(id, json, "test");
        var whileBroken = await Projection.SearchAsync(new ConsentProjectionQuery { Actors = [actor] });
        var pending = await Projection.PendingPatientsAsync(Later, 10);
        var repaired = await Silo.Services.GetRequiredService<ConsentProjectionRepair>().RepairAsync(Later);
        var afterCreate = await Projection.SearchAsync(new ConsentProjectionQuery { Actors = [actor] });
        Flaky.FailNextProjections = 1;
        await grain.WithdrawAsync(id, "test");
        var staleActive = await Projection.SearchAsync(new ConsentProjectionQuery { Actors = [actor], Statuses = ["active"] });
        await Silo.Services.GetRequiredService<ConsentProjectionRepair>().RepairAsync(Later);

        // The grain acknowledged and holds the change although the projection failed: it is the source of truth.
        Assert.Equal(ConsentWriteStatus.Done, created.Status);
        Assert.Equal((0, patient), (whileBroken.Total, Assert.Single(pending)));
        Assert.Equal(patient, await Projection.PatientOfAsync(id));
        Assert.Equal(1, repaired);
        Assert.Equal(new ConsentProjectionHit(id, patient, 1), Assert.Single(afterCreate.Hits));
        Assert.Equal(1, staleActive.Total);
        Assert.Equal("inactive", (await grain.ReadAsync(staleActive.Hits[0].ConsentId))!.Status);
        Assert.Equal(0, (await Projection.SearchAsync(new ConsentProjectionQuery { Actors = [actor], Statuses = ["active"] })).Total);
        Assert.Equal(new ConsentProjectionHit(id, patient, 2),
            Assert.Single((await Projection.SearchAsync(new ConsentProjectionQuery { Actors = [actor], Statuses = ["inactive"] })).Hits));
        Assert.Equal(2, (await Projection.HistoryAsync(null, 0, 10)).Total);
        Assert.Empty(await Projection.PendingPatientsAsync(Later, 10));
    }

    [Fact]
    public async Task Projecting_an_older_version_never_moves_a_row_backwards()
    {
        var patient = Guid.NewGuid();
        var grain = Grains.GetGrain<IPatientConsentGrain>(patient);
        var id = Guid.NewGuid().ToString("D");
        await grain.CreateAsync(id, ConsentVectors.ForPatient(ConsentVectors.Valid("svc-permit-network-treat.json"), patient), "test");
        await grain.WithdrawAsync(id, "test");
        var first = (await grain.ReadAsync(id, 1))!;

        await Projection.ProjectAsync(ConsentProjectionRow.From(patient, first), [first]);
        await grain.ReprojectAsync();

        Assert.Equal(new ConsentProjectionHit(id, patient, 2),
            Assert.Single((await Projection.SearchAsync(new ConsentProjectionQuery { Statuses = ["inactive", "active"] })).Hits));
        Assert.Equal(2, (await Projection.HistoryAsync(null, 0, 10)).Total);
    }

    [Fact]
    public async Task Consents_of_the_former_directory_are_copied_into_the_projection_on_upgrade()
    {
        var owners = new Dictionary<string, Guid>();
        foreach (var patient in new[] { Guid.NewGuid(), Guid.NewGuid() })
        {
            foreach (var file in new[] { "svc-permit-network-treat.json", "svc-deny-clinic-b.json" })
            {
                var id = Guid.NewGuid().ToString("D");
                await Grains.GetGrain<IPatientConsentGrain>(patient).CreateAsync(id, ConsentVectors.ForPatient(ConsentVectors.Valid(file), patient), "test");
                owners[id] = patient;
            }
        }
        // What a release before the projection left behind: the directory's grain state, no projection rows.
        await ExecuteAsync("DELETE FROM consent_projection_actor; DELETE FROM consent_projection_purpose; DELETE FROM consent_projection_version; DELETE FROM consent_projection;");
        var directory = Grains.GetGrain<IConsentDirectoryGrain>(0);
        await Silo.Services.GetRequiredKeyedService<IGrainStorage>(GrainStorage.Name).WriteStateAsync("consent-directory", directory.GetGrainId(),
            new GrainState<ConsentDirectoryState>(new ConsentDirectoryState { Owners = owners.ToImmutableDictionary() }));
        Assert.Null(await Projection.PatientOfAsync(owners.Keys.First()));

        await RestartAsync();
        var resolved = new Dictionary<string, Guid?>();
        foreach (var id in owners.Keys)
        {
            resolved[id] = await Grains.GetGrain<IConsentSearchGrain>(0).PatientOfAsync(id);
        }
        await Silo.Services.GetRequiredService<ConsentProjectionRepair>().RepairAsync(Later);
        var again = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Grains.GetGrain<IConsentDirectoryGrain>(0).CopyToProjectionAsync()));

        Assert.Equal(owners.ToDictionary(o => o.Key, o => (Guid?)o.Value), resolved);
        Assert.Equal(owners.Keys.Order(), (await Projection.SearchAsync(new ConsentProjectionQuery { Statuses = ["active"] })).Hits.Select(h => h.ConsentId).Order());
        Assert.Equal(2, (await Projection.SearchAsync(new ConsentProjectionQuery { Actors = ["Organization/clinic-b"], Count = 0 })).Total);
        Assert.Equal(4, (await Projection.HistoryAsync(null, 0, 10)).Total);
        Assert.All(again, copied => Assert.Equal(0, copied));
        Assert.Empty(await Projection.PendingPatientsAsync(Later, 10));
    }

    protected abstract DbConnection Connect();

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = Connect();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private async Task RestartAsync()
    {
        await Silo.DisposeAsync();
        _silo = null;
        _silo = await StartSiloAsync();
    }

    /// <summary>The product's silo, its projection wrapped so a test can make updates fail.</summary>
    private Task<TestSilo> StartSiloAsync() => TestSilo.StartAsync(Settings, services: services => services.AddSingleton<IConsentProjection>(provider =>
        new FlakyConsentProjection(new SqlConsentProjection(provider.GetRequiredService<SiloDatabase>()))));

    private static string UniqueActor() => $"Organization/{Guid.NewGuid():N}";

    private static string WithActor(string json, string actor)
    {
        var node = JsonNode.Parse(json)!;
        node["provision"]!["actor"]![0]!["reference"]!["reference"] = actor;
        return node.ToJsonString();
    }

    /// <summary>The real projection, failing the next <see cref="FailNextProjections"/> updates as a database outage would.</summary>
    private sealed class FlakyConsentProjection(IConsentProjection inner) : IConsentProjection
    {
        public int FailNextProjections { get; set; }

        public Task ProjectAsync(ConsentProjectionRow row, IReadOnlyCollection<ConsentVersion> versions, CancellationToken cancellationToken = default)
        {
            if (FailNextProjections > 0)
            {
                FailNextProjections--;
                throw new TimeoutException("The projection database did not answer (test).");
            }
            return inner.ProjectAsync(row, versions, cancellationToken);
        }

        public Task<bool> ClaimAsync(string consentId, Guid patient, int versionId, DateTimeOffset at, CancellationToken cancellationToken = default) =>
            inner.ClaimAsync(consentId, patient, versionId, at, cancellationToken);

        public Task SettleAsync(Guid patient, CancellationToken cancellationToken = default) => inner.SettleAsync(patient, cancellationToken);

        public Task<Guid?> PatientOfAsync(string consentId, CancellationToken cancellationToken = default) => inner.PatientOfAsync(consentId, cancellationToken);

        public Task<ConsentProjectionPage> SearchAsync(ConsentProjectionQuery query, CancellationToken cancellationToken = default) =>
            inner.SearchAsync(query, cancellationToken);

        public Task<ConsentProjectionPage> HistoryAsync(DateTimeOffset? since, int offset, int count, CancellationToken cancellationToken = default) =>
            inner.HistoryAsync(since, offset, count, cancellationToken);

        public Task<ImmutableArray<Guid>> PendingPatientsAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken = default) =>
            inner.PendingPatientsAsync(before, limit, cancellationToken);

        public Task<int> ImportOwnersAsync(IReadOnlyCollection<KeyValuePair<string, Guid>> owners, CancellationToken cancellationToken = default) =>
            inner.ImportOwnersAsync(owners, cancellationToken);
    }
}

public sealed class SqliteConsentProjectionTests : ConsentProjectionTests
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("identity-projection-");

    private string File => Path.Combine(_directory.FullName, "identity.db");

    protected override Dictionary<string, string?> Settings => TestSilo.Embedded(File);

    protected override DbConnection Connect() => new SqliteConnection($"Data Source={File}");

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _directory.Delete(recursive: true);
    }
}

[Collection(PostgresSiloCollection.Name)]
public sealed class PostgresConsentProjectionTests : ConsentProjectionTests
{
    private readonly string _clusterId = $"projection-{Guid.NewGuid():N}";
    private PostgresDatabase? _postgres;

    protected override Dictionary<string, string?> Settings => TestSilo.Cluster(_postgres!.ConnectionString, _clusterId);

    protected override DbConnection Connect() => new Npgsql.NpgsqlConnection(_postgres!.ConnectionString);

    public override async Task InitializeAsync()
    {
        _postgres = await PostgresDatabase.CreateAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
    }
}
