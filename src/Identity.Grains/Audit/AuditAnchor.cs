namespace Identity.Grains.Audit;

/// <summary>
/// What a retention purge leaves of a chain's removed beginning: the sequence and hash of the last removed
/// entry, so the first remaining entry can still be checked against it.
/// </summary>
public sealed record AuditAnchor(Guid Chain, long Sequence, byte[] Hash, DateTimeOffset LastPurgedRecorded, DateTimeOffset PurgedAt)
{
    public AuditChainHead AsHead() => new(Chain, Sequence, Hash);
}
