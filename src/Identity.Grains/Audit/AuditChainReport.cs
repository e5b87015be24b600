namespace Identity.Grains.Audit;

/// <summary>
/// The result of verifying one chain: either a proof (entries checked, head hash) or the first broken entry.
/// Record <see cref="HeadHash"/> outside the database to also detect later removal of the newest entries.
/// </summary>
public sealed record AuditChainReport
{
    public required Guid Chain { get; init; }

    public bool Intact => FirstBreak is null;

    /// <summary>Entries checked (those after the anchor, if any).</summary>
    public required long Entries { get; init; }

    public required long FirstSequence { get; init; }

    public required long LastSequence { get; init; }

    /// <summary>Hex SHA-256 of the last entry (or the anchor, or zeros for an empty chain).</summary>
    public required string HeadHash { get; init; }

    public AuditAnchor? Anchor { get; init; }

    public AuditChainBreak? FirstBreak { get; init; }
}
