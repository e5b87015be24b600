using System.Text;

namespace Identity.Grains.Audit;

/// <summary>
/// One row of the append-only audit trail: an AuditEvent in its chain, linked to the entry before it
/// (see <see cref="AuditHash"/> for the exact hash input). <see cref="Index"/> repeats searchable fields
/// of the event; the verifier checks it against the event, so it cannot be changed unnoticed either.
/// </summary>
public sealed record AuditEntry
{
    public required Guid Chain { get; init; }

    public required long Sequence { get; init; }

    /// <summary>When the entry was written, at millisecond precision (what the hash covers).</summary>
    public required DateTimeOffset Recorded { get; init; }

    /// <summary>The FHIR R4 AuditEvent as compact JSON; its UTF-8 bytes are hashed as stored.</summary>
    public required string EventJson { get; init; }

    public required byte[] PreviousHash { get; init; }

    public required byte[] Hash { get; init; }

    public required AuditEventIndex Index { get; init; }

    /// <summary>The entry that follows <paramref name="head"/> in its chain.</summary>
    public static AuditEntry Append(AuditChainHead head, DateTimeOffset recorded, string eventJson) =>
        Append(head, recorded, eventJson, AuditEventIndex.Read(eventJson));

    /// <summary>As above, with the index the caller already read from <paramref name="eventJson"/>.</summary>
    public static AuditEntry Append(AuditChainHead head, DateTimeOffset recorded, string eventJson, AuditEventIndex index)
    {
        if (index.Chain != head.Chain)
        {
            throw new ArgumentException($"The event belongs to chain {AuditChains.Describe(index.Chain)}, not {AuditChains.Describe(head.Chain)}.", nameof(eventJson));
        }
        var at = DateTimeOffset.FromUnixTimeMilliseconds(recorded.ToUnixTimeMilliseconds());
        var sequence = head.Sequence + 1;
        return new AuditEntry
        {
            Chain = head.Chain,
            Sequence = sequence,
            Recorded = at,
            EventJson = eventJson,
            PreviousHash = head.Hash,
            Hash = AuditHash.Compute(head.Chain, sequence, at, head.Hash, Encoding.UTF8.GetBytes(eventJson)),
            Index = index,
        };
    }

    public AuditChainHead AsHead() => new(Chain, Sequence, Hash);
}
