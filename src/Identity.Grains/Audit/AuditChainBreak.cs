namespace Identity.Grains.Audit;

/// <summary>The first entry of a chain that does not verify, and why.</summary>
public sealed record AuditChainBreak(long Sequence, AuditBreakKind Kind, string Message);
