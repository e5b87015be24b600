using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Identity.Grains.Audit;

namespace Identity.Tests.Audit;

/// <summary>The hash chain as pure code: its exact hash input, and the verifier naming the first broken entry.</summary>
public sealed class AuditChainTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Hash_is_sha256_over_domain_chain_sequence_time_previous_hash_and_event_bytes()
    {
        var chain = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
        var previous = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        const string json = "{\"resourceType\":\"AuditEvent\"}";
        var recorded = new DateTimeOffset(2026, 3, 1, 10, 14, 2, 123, TimeSpan.Zero);

        var input = new List<byte>();
        input.AddRange(Encoding.ASCII.GetBytes("IdentityConsent/audit/v1\n"));
        input.AddRange(Convert.FromHexString("0f8fad5bd9cb469fa16570867728950e"));
        var number = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(number, 7);
        input.AddRange(number);
        BinaryPrimitives.WriteInt64BigEndian(number, recorded.ToUnixTimeMilliseconds());
        input.AddRange(number);
        input.AddRange(previous);
        input.AddRange(Encoding.UTF8.GetBytes(json));

        Assert.Equal(SHA256.HashData([.. input]), AuditHash.Compute(chain, 7, recorded, previous, json));
    }

    [Fact]
    public void An_untouched_chain_verifies_and_reports_its_head()
    {
        var entries = Chain(Guid.NewGuid(), 5);

        var report = AuditChainVerifier.Verify(entries[0].Chain, null, entries);

        Assert.True(report.Intact);
        Assert.Equal((5L, 1L, 5L), (report.Entries, report.FirstSequence, report.LastSequence));
        Assert.Equal(Convert.ToHexStringLower(entries[^1].Hash), report.HeadHash);
    }

    [Fact]
    public void Altered_event_is_named()
    {
        var entries = Chain(Guid.NewGuid(), 5);
        entries[2] = entries[2] with { EventJson = entries[2].EventJson.Replace("\"outcome\":\"4\"", "\"outcome\":\"0\"", StringComparison.Ordinal) };

        AssertBroken(entries, 3, AuditBreakKind.Altered);
    }

    [Fact]
    public void Altered_time_is_named()
    {
        var entries = Chain(Guid.NewGuid(), 5);
        entries[1] = entries[1] with { Recorded = entries[1].Recorded.AddHours(-1) };

        AssertBroken(entries, 2, AuditBreakKind.Altered);
    }

    [Fact]
    public void Altered_searchable_field_is_named()
    {
        var entries = Chain(Guid.NewGuid(), 5);
        entries[3] = entries[3] with { Index = entries[3].Index with { Outcome = "8" } };

        AssertBroken(entries, 4, AuditBreakKind.Altered);
    }

    [Fact]
    public void Deleted_entry_is_named()
    {
        var entries = Chain(Guid.NewGuid(), 5);
        entries.RemoveAt(2);

        AssertBroken(entries, 3, AuditBreakKind.Missing);
    }

    [Fact]
    public void Deleted_first_entry_is_named()
    {
        var entries = Chain(Guid.NewGuid(), 3);
        entries.RemoveAt(0);

        AssertBroken(entries, 1, AuditBreakKind.Missing);
    }

    [Fact]
    public void Reordered_entries_are_named()
    {
        var entries = Chain(Guid.NewGuid(), 5);
        (entries[1], entries[2]) = (entries[2] with { Sequence = 2 }, entries[1] with { Sequence = 3 });

        AssertBroken(entries, 2, AuditBreakKind.Altered);
    }

    [Fact]
    public void Deleted_entry_with_renumbered_rehashed_successors_is_named_as_unlinked_where_the_chain_was_cut()
    {
        var chain = Guid.NewGuid();
        var entries = Chain(chain, 4);
        // An attacker deletes entry 2 and renumbers 3 as 2 with a correct hash over its old previous hash.
        var moved = entries[2];
        var forged = moved with
        {
            Sequence = 2,
            Hash = AuditHash.Compute(chain, 2, moved.Recorded, moved.PreviousHash, moved.EventJson),
        };

        AssertBroken([entries[0], forged], 2, AuditBreakKind.Unlinked);
    }

    [Fact]
    public void Entry_from_another_patient_is_named()
    {
        var mine = Chain(Guid.NewGuid(), 2);
        var other = Chain(Guid.NewGuid(), 2);
        var head = mine[^1].AsHead();
        var foreign = other[1] with
        {
            Chain = head.Chain,
            Sequence = 3,
            PreviousHash = head.Hash,
            Hash = AuditHash.Compute(head.Chain, 3, other[1].Recorded, head.Hash, other[1].EventJson),
        };

        AssertBroken([.. mine, foreign], 3, AuditBreakKind.WrongChain);
    }

    [Fact]
    public void Purged_chain_still_verifies_from_its_anchor_and_a_forged_anchor_is_caught()
    {
        var entries = Chain(Guid.NewGuid(), 6);
        var cutoff = entries[3].Recorded;

        var anchor = AuditRetention.AnchorAfterPurge(entries, cutoff, Start.AddYears(7))!;
        var remaining = entries.Where(e => e.Sequence > anchor.Sequence).ToList();

        Assert.Equal(3, anchor.Sequence);
        var report = AuditChainVerifier.Verify(anchor.Chain, anchor, remaining);
        Assert.True(report.Intact);
        Assert.Equal((3L, 4L, 6L), (report.Entries, report.FirstSequence, report.LastSequence));

        var forged = anchor with { Hash = new byte[32] };
        Assert.Equal(AuditBreakKind.Unlinked, AuditChainVerifier.Verify(anchor.Chain, forged, remaining).FirstBreak?.Kind);
    }

    [Fact]
    public void Purge_stops_at_the_first_entry_inside_the_retention_period()
    {
        var entries = Chain(Guid.NewGuid(), 4);
        entries[1] = Rechain(entries, 1, Start.AddYears(1));

        var anchor = AuditRetention.AnchorAfterPurge(entries, Start.AddMonths(1), Start.AddYears(8));

        Assert.Equal(1, anchor!.Sequence);
    }

    internal static List<AuditEntry> Chain(Guid patient, int count, DateTimeOffset? start = null)
    {
        var head = AuditChainHead.Empty(patient);
        var entries = new List<AuditEntry>();
        for (var i = 0; i < count; i++)
        {
            var at = (start ?? Start).AddMinutes(i);
            var json = AuditEventJson.Serialize(BalpAuditEvents.SignIn(new AuditContext("test", null, at), patient, [(byte)i], i % 2 == 0 ? "passkey_signature_invalid" : null));
            var entry = AuditEntry.Append(head, at, json);
            entries.Add(entry);
            head = entry.AsHead();
        }
        return entries;
    }

    private static AuditEntry Rechain(List<AuditEntry> entries, int index, DateTimeOffset recorded)
    {
        var previous = index == 0 ? AuditChainHead.Empty(entries[0].Chain) : entries[index - 1].AsHead();
        return AuditEntry.Append(previous, recorded, entries[index].EventJson);
    }

    private static void AssertBroken(List<AuditEntry> entries, long sequence, AuditBreakKind kind)
    {
        var report = AuditChainVerifier.Verify(entries[0].Chain, null, entries);

        Assert.False(report.Intact);
        Assert.Equal(sequence, report.FirstBreak!.Sequence);
        Assert.Equal(kind, report.FirstBreak.Kind);
    }
}
