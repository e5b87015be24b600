namespace Identity.Grains.Audit;

/// <summary>How a chain is broken at its first bad entry.</summary>
public enum AuditBreakKind
{
    /// <summary>The sequence skips: the entry with the expected number was deleted.</summary>
    Missing,

    /// <summary>The entry's content, time, sequence or searchable fields no longer match its hash.</summary>
    Altered,

    /// <summary>The entry does not link to the hash of the entry (or anchor) before it: inserted, moved or replaced.</summary>
    Unlinked,

    /// <summary>The entry's event names another patient than the chain it is stored in.</summary>
    WrongChain,
}
