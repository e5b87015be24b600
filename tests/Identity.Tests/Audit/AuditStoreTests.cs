using System.Data.Common;
using Identity.Api.Audit;
using Identity.Grains.Audit;
using Npgsql;
using static Hl7.Fhir.Model.AuditEvent;

namespace Identity.Tests.Audit;

/// <summary>The append-only audit table on SQLite and on real PostgreSQL.</summary>
public sealed class AuditStoreTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static TheoryData<string> Stores => ["sqlite", "postgres"];

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Appended_entries_form_verifiable_chains_per_patient(string kind)
    {
        await using var target = await AuditStoreTarget.CreateAsync(kind);
        var alice = Guid.NewGuid();
        var bob = Guid.NewGuid();

        for (var i = 0; i < 3; i++)
        {
            await AppendAsync(target.Store, alice, i);
            await AppendAsync(target.Store, bob, i);
        }
        await AppendAsync(target.Store, null, 0);

        Assert.Equal(new[] { AuditChains.System, alice, bob }.Order(), (await target.Store.ChainsAsync(default)).Order());
        var report = await target.Store.VerifyAsync(alice, default);
        Assert.True(report.Intact);
        Assert.Equal(3, report.LastSequence);
        Assert.True((await target.Store.VerifyAsync(AuditChains.System, default)).Intact);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Concurrent_writers_in_several_instances_never_fork_a_chain(string kind)
    {
        await using var target = await AuditStoreTarget.CreateAsync(kind);
        await using var second = target.NewStore();
        await using var third = target.NewStore();
        var patient = Guid.NewGuid();

        await Task.WhenAll(
            Task.Run(async () => { for (var i = 0; i < 20; i++) { await AppendAsync(target.Store, patient, i); } }),
            Task.Run(async () => { for (var i = 0; i < 20; i++) { await AppendAsync(second, patient, i); } }),
            Task.Run(async () => { for (var i = 0; i < 20; i++) { await AppendAsync(third, patient, i); } }));

        var report = await target.Store.VerifyAsync(patient, default);
        Assert.True(report.Intact, report.FirstBreak?.Message);
        Assert.Equal(60, report.Entries);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Concurrent_appends_are_committed_together_and_every_one_is_acknowledged_in_its_chain(string kind)
    {
        await using var target = await AuditStoreTarget.CreateAsync(kind);
        await using var rival = target.NewStore();
        Guid?[] chains = [Guid.NewGuid(), Guid.NewGuid(), null];

        // Hundreds of appends at once in one store form group commits; a second store racing on the same chains forces
        // the rolled-back batches down the one-at-a-time path.
        var appends = Enumerable.Range(0, 300).Select(i => AppendAsync(target.Store, chains[i % 3], i))
            .Concat(Enumerable.Range(0, 30).Select(i => AppendAsync(rival, chains[i % 3], i)))
            .ToList();
        var entries = await Task.WhenAll(appends);

        foreach (var chain in chains.Select(c => c ?? AuditChains.System))
        {
            var report = await target.Store.VerifyAsync(chain, default);
            Assert.True(report.Intact, report.FirstBreak?.Message);
            Assert.Equal(110, report.Entries);
            Assert.Equal(Enumerable.Range(1, 110).Select(i => (long)i), entries.Where(e => e.Chain == chain).Select(e => e.Sequence).Order());
        }
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Altered_row_is_detected(string kind)
    {
        await using var target = await AuditStoreTarget.CreateAsync(kind);
        var patient = await ChainAsync(target, 4);

        await target.TamperAsync($"UPDATE audit_entries SET event = replace(event, '\"outcome\":\"4\"', '\"outcome\":\"0\"') WHERE chain = '{patient:D}' AND sequence = 3;");

        await AssertBrokenAsync(target, patient, 3, AuditBreakKind.Altered);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Altered_search_column_is_detected(string kind)
    {
        await using var target = await AuditStoreTarget.CreateAsync(kind);
        var patient = await ChainAsync(target, 4);

        await target.TamperAsync($"UPDATE audit_entries SET outcome = '0' WHERE chain = '{patient:D}' AND sequence = 1;");

        await AssertBrokenAsync(target, patient, 1, AuditBreakKind.Altered);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Deleted_row_is_detected(string kind)
    {
        await using var target = await AuditStoreTarget.CreateAsync(kind);
        var patient = await ChainAsync(target, 4);

        await target.TamperAsync($"DELETE FROM audit_entries WHERE chain = '{patient:D}' AND sequence = 2;");

        await AssertBrokenAsync(target, patient, 2, AuditBreakKind.Missing);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Reordered_rows_are_detected(string kind)
    {
        await using var target = await AuditStoreTarget.CreateAsync(kind);
        var patient = await ChainAsync(target, 4);

        await target.TamperAsync($"""
            UPDATE audit_entries SET sequence = -2 WHERE chain = '{patient:D}' AND sequence = 2;
            UPDATE audit_entries SET sequence = 2 WHERE chain = '{patient:D}' AND sequence = 3;
            UPDATE audit_entries SET sequence = 3 WHERE chain = '{patient:D}' AND sequence = -2;
            """);

        await AssertBrokenAsync(target, patient, 2, AuditBreakKind.Altered);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Update_and_delete_are_refused_by_the_table_itself(string kind)
    {
        await using var target = await AuditStoreTarget.CreateAsync(kind);
        var patient = await ChainAsync(target, 2);

        await Assert.ThrowsAnyAsync<DbException>(() => target.ExecuteAsOwnerAsync($"UPDATE audit_entries SET outcome = '0' WHERE chain = '{patient:D}'"));
        await Assert.ThrowsAnyAsync<DbException>(() => target.ExecuteAsOwnerAsync($"DELETE FROM audit_entries WHERE chain = '{patient:D}'"));

        Assert.True((await target.Store.VerifyAsync(patient, default)).Intact);
    }

    [Fact]
    public async Task The_services_postgres_role_cannot_update_delete_or_truncate()
    {
        await using var target = await AuditStoreTarget.CreateAsync("postgres");
        var patient = await ChainAsync(target, 2);

        foreach (var sql in new[]
                 {
                     $"UPDATE audit_entries SET outcome = '0' WHERE chain = '{patient:D}'",
                     $"DELETE FROM audit_entries WHERE chain = '{patient:D}'",
                     "TRUNCATE audit_entries",
                     "INSERT INTO audit_purge_permit (id) VALUES (1)",
                     "DELETE FROM audit_anchors",
                     "ALTER TABLE audit_entries DISABLE TRIGGER USER",
                 })
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() => target.ExecuteAsWriterAsync(sql));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        }
        // The owner is stopped by the triggers too (defence in depth).
        var owner = await Assert.ThrowsAsync<PostgresException>(() => target.ExecuteAsOwnerAsync("TRUNCATE audit_entries"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, owner.SqlState);

        var report = await target.Store.VerifyAsync(patient, default);
        Assert.True(report.Intact);
        Assert.Equal(2, report.Entries);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Purge_removes_old_entries_and_the_chain_still_verifies_from_its_anchor(string kind)
    {
        await using var target = await AuditStoreTarget.CreateAsync(kind);
        var patient = Guid.NewGuid();
        for (var i = 0; i < 5; i++)
        {
            await AppendAsync(target.Store, patient, i, Start.AddYears(i * 2));
        }

        var purge = await target.Store.PurgeAsync(Start.AddYears(5), Start.AddYears(11), default);

        Assert.Equal(3, purge.EntriesRemoved);
        Assert.Empty(purge.Refused);
        var report = await target.Store.VerifyAsync(patient, default);
        Assert.True(report.Intact, report.FirstBreak?.Message);
        Assert.Equal((2L, 4L, 5L, 3L), (report.Entries, report.FirstSequence, report.LastSequence, report.Anchor!.Sequence));

        await AppendAsync(target.NewStore(), patient, 9, Start.AddYears(11));
        Assert.Equal(6, (await target.Store.VerifyAsync(patient, default)).LastSequence);
        Assert.True((await target.Store.VerifyAsync(patient, default)).Intact);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Purge_leaves_a_broken_chain_untouched(string kind)
    {
        await using var target = await AuditStoreTarget.CreateAsync(kind);
        var patient = await ChainAsync(target, 3);
        await target.TamperAsync($"DELETE FROM audit_entries WHERE chain = '{patient:D}' AND sequence = 2;");

        var purge = await target.Store.PurgeAsync(DateTimeOffset.UtcNow.AddYears(1), DateTimeOffset.UtcNow, default);

        Assert.Equal(0, purge.EntriesRemoved);
        Assert.Equal(patient, Assert.Single(purge.Refused).Chain);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Search_filters_by_every_parameter_and_pages(string kind)
    {
        await using var target = await AuditStoreTarget.CreateAsync(kind);
        var alice = Guid.NewGuid();
        var store = target.Store;
        var context = new AuditContext("test", "192.0.2.1", Start);
        await RecordAsync(store, BalpAuditEvents.SignIn(context, alice, [1]));
        await RecordAsync(store, BalpAuditEvents.SignIn(context with { Recorded = Start.AddDays(1) }, alice, [1], "passkey_signature_invalid"));
        await RecordAsync(store, BalpAuditEvents.PasskeyChanged(context with { Recorded = Start.AddDays(2) }, alice, AuditEventAction.D, [1]));
        await RecordAsync(store, BalpAuditEvents.SignIn(context with { Recorded = Start.AddDays(3) }, null, [2], "passkey_unknown_credential"));
        await RecordAsync(store, BalpAuditEvents.AuditLogUsed(context with { Recorded = Start.AddDays(4) },
            new Hl7.Fhir.Model.ResourceReference { Identifier = new Hl7.Fhir.Model.Identifier("urn:identityconsent:client", "compliance") },
            BalpCodes.Compliance, alice, "GET /fhir/AuditEvent"));

        async Task<long> Count(AuditEventQuery query) => (await store.SearchAsync(query, default)).Total;

        Assert.Equal(5, await Count(new()));
        Assert.Equal(4, await Count(new() { Patient = alice }));
        Assert.Equal(3, await Count(new() { Agent = $"Patient/{alice:D}" }));
        Assert.Equal(1, await Count(new() { Agent = "urn:identityconsent:client|compliance" }));
        Assert.Equal(1, await Count(new() { Action = "D" }));
        Assert.Equal(2, await Count(new() { Outcome = "4" }));
        Assert.Equal(3, await Count(new() { Type = "110114" }));
        Assert.Equal(4, await Count(new() { EntityType = "1" }));
        Assert.Equal(1, await Count(new() { Purpose = "HCOMPL" }));
        Assert.Equal(4, await Count(new() { Purpose = "PATRQT" }));
        Assert.Equal(2, await Count(new() { From = Start.AddDays(1), Before = Start.AddDays(3) }));
        Assert.Equal(1, await Count(new() { Patient = alice, Outcome = "4", From = Start.AddHours(1) }));

        var first = await store.SearchAsync(new() { Count = 2 }, default);
        var second = await store.SearchAsync(new() { Count = 2, Offset = 2 }, default);
        Assert.Equal(2, first.Entries.Count);
        Assert.True(first.Entries[0].Recorded > first.Entries[1].Recorded);
        Assert.Empty(first.Entries.Select(e => e.Index.EventId).Intersect(second.Entries.Select(e => e.Index.EventId)));

        var exported = new List<string>();
        await foreach (var line in store.ExportAsync(Start, Start.AddDays(2), default))
        {
            exported.Add(line);
        }
        Assert.Equal(2, exported.Count);
        Assert.All(exported, line => Assert.DoesNotContain('\n', line));
    }

    [Fact]
    public async Task Unreachable_postgres_is_reported_as_audit_unavailable()
    {
        var closed = $"Host=127.0.0.1;Port={Infrastructure.IdentityApiFactory.FreeTcpPort()};Username=postgres;Database=postgres";
        await using var store = new AuditStore(AuditDatabase.Postgres(closed, null, 2), Microsoft.Extensions.Logging.Abstractions.NullLogger<AuditStore>.Instance);

        await Assert.ThrowsAsync<AuditUnavailableException>(() => AppendAsync(store, Guid.NewGuid(), 0));
    }

    private static async Task<Guid> ChainAsync(AuditStoreTarget target, int count)
    {
        var patient = Guid.NewGuid();
        for (var i = 0; i < count; i++)
        {
            await AppendAsync(target.Store, patient, i);
        }
        Assert.True((await target.Store.VerifyAsync(patient, default)).Intact);
        return patient;
    }

    private static Task<AuditEntry> AppendAsync(AuditStore store, Guid? patient, int i, DateTimeOffset? at = null)
    {
        var recorded = at ?? DateTimeOffset.UtcNow;
        var auditEvent = BalpAuditEvents.SignIn(new AuditContext("test", "192.0.2.1", recorded), patient, [(byte)i], i % 2 == 0 ? "passkey_signature_invalid" : null);
        return store.AppendAsync(AuditEventJson.Serialize(auditEvent), recorded, default);
    }

    private static Task<AuditEntry> RecordAsync(AuditStore store, Hl7.Fhir.Model.AuditEvent auditEvent) =>
        store.AppendAsync(AuditEventJson.Serialize(auditEvent), auditEvent.Recorded!.Value, default);

    private static async Task AssertBrokenAsync(AuditStoreTarget target, Guid patient, long sequence, AuditBreakKind kind)
    {
        // A fresh store: nothing cached from the writes.
        await using var verifier = target.NewStore();
        var report = await verifier.VerifyAsync(patient, default);
        Assert.False(report.Intact);
        Assert.Equal(sequence, report.FirstBreak!.Sequence);
        Assert.Equal(kind, report.FirstBreak.Kind);
    }
}
