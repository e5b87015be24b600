namespace Identity.Grains.Audit;

/// <summary>
/// Proves a chain: starting from its anchor (or from nothing), every entry must have the next sequence number,
/// link to the hash before it, hash to its stored hash, and carry searchable fields that match its event.
/// Stops at the first entry that fails and names it.
/// </summary>
public static class AuditChainVerifier
{
    /// <param name="entries">The chain's stored entries in ascending sequence order.</param>
    public static AuditChainReport Verify(Guid chain, AuditAnchor? anchor, IEnumerable<AuditEntry> entries)
    {
        var head = anchor?.AsHead() ?? AuditChainHead.Empty(chain);
        var first = head.Sequence + 1;
        long count = 0;
        foreach (var entry in entries)
        {
            var expected = head.Sequence + 1;
            var problem = Check(chain, head, expected, entry);
            if (problem is not null)
            {
                return Report(chain, anchor, first, head, count, problem);
            }
            head = entry.AsHead();
            count++;
        }
        return Report(chain, anchor, first, head, count, null);
    }

    private static AuditChainBreak? Check(Guid chain, AuditChainHead previous, long expected, AuditEntry entry)
    {
        if (entry.Sequence > expected)
        {
            return new(expected, AuditBreakKind.Missing,
                $"Entry {expected} is missing: the chain continues at {entry.Sequence}.");
        }
        if (entry.Sequence < expected || entry.Chain != chain)
        {
            return new(expected, AuditBreakKind.Unlinked, $"Entry {expected} is out of order (found sequence {entry.Sequence}).");
        }
        var recomputed = AuditHash.Compute(chain, entry.Sequence, entry.Recorded, entry.PreviousHash, entry.EventJson);
        if (!recomputed.AsSpan().SequenceEqual(entry.Hash))
        {
            return new(expected, AuditBreakKind.Altered, $"Entry {expected} was altered: its content does not match its hash.");
        }
        if (!entry.PreviousHash.AsSpan().SequenceEqual(previous.Hash))
        {
            return new(expected, AuditBreakKind.Unlinked,
                $"Entry {expected} does not link to entry {previous.Sequence}: an entry was replaced, moved or inserted.");
        }
        AuditEventIndex index;
        try
        {
            index = AuditEventIndex.Read(entry.EventJson);
        }
        catch (FormatException)
        {
            return new(expected, AuditBreakKind.Altered, $"Entry {expected} does not hold a readable AuditEvent.");
        }
        if (index.Chain != chain)
        {
            return new(expected, AuditBreakKind.WrongChain, $"Entry {expected} records an event of {AuditChains.Describe(index.Chain)}.");
        }
        if (index != entry.Index)
        {
            return new(expected, AuditBreakKind.Altered, $"Entry {expected} was altered: its searchable fields do not match its event.");
        }
        return null;
    }

    private static AuditChainReport Report(Guid chain, AuditAnchor? anchor, long first, AuditChainHead head, long count, AuditChainBreak? problem) => new()
    {
        Chain = chain,
        Entries = count,
        FirstSequence = count == 0 ? 0 : first,
        LastSequence = head.Sequence,
        HeadHash = Convert.ToHexStringLower(head.Hash),
        Anchor = anchor,
        FirstBreak = problem,
    };
}
