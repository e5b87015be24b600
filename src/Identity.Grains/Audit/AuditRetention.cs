namespace Identity.Grains.Audit;

/// <summary>
/// Retention of the audit trail (HIPAA §164.316(b)(2): six years). A purge removes only the beginning of a
/// chain, up to (not past) the first entry recorded on or after the cut-off, and leaves an anchor with the
/// hash of the last removed entry, so the rest of the chain still verifies.
/// </summary>
public static class AuditRetention
{
    public const int DefaultYears = 6;

    public static DateTimeOffset Cutoff(DateTimeOffset now, int years) => now.AddYears(-years);

    /// <summary>The anchor a purge of entries before <paramref name="cutoff"/> leaves, or null when nothing would be removed.</summary>
    /// <param name="entries">The chain's entries in ascending sequence order (already verified).</param>
    public static AuditAnchor? AnchorAfterPurge(IEnumerable<AuditEntry> entries, DateTimeOffset cutoff, DateTimeOffset now)
    {
        AuditEntry? last = null;
        foreach (var entry in entries)
        {
            if (entry.Recorded >= cutoff)
            {
                break;
            }
            last = entry;
        }
        return last is null ? null : new AuditAnchor(last.Chain, last.Sequence, last.Hash, last.Recorded, now);
    }
}
