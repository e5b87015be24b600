namespace Identity.Api.Audit;

/// <summary>How introspection and consent decisions (not break-the-glass) wait for their audit event: <c>Audit:HotPaths</c>.</summary>
public enum HotPathAudit
{
    /// <summary>Queued for the next group commit; the answer does not wait for the disk (AuditStore.WriteBehind.cs).</summary>
    WriteBehind,

    /// <summary>Committed before the answer, like every other audited operation.</summary>
    Committed,
}
