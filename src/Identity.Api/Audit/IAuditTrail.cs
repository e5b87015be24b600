using Hl7.Fhir.Model;
using Identity.Grains.Audit;

namespace Identity.Api.Audit;

/// <summary>The tamper-evident audit trail every audited operation writes to before it replies (hot paths: <see cref="RecordHotPathAsync"/>).</summary>
public interface IAuditTrail
{
    /// <summary>
    /// Stores the event durably in its chain (its patient's, or the system chain) and returns the entry.
    /// Throws <see cref="AuditUnavailableException"/> when it cannot: the caller must then not go ahead.
    /// </summary>
    Task<AuditEntry> RecordAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default);

    /// <summary>
    /// For the hot paths ARCHITECTURE.md keeps off the database round trip (introspection, consent decisions other than
    /// break-the-glass): the event is queued for the next group commit and the caller may answer without waiting for the
    /// disk (<c>Audit:HotPaths = WriteBehind</c>, the default; see AuditStore.WriteBehind.cs for what that guarantees).
    /// Waits like <see cref="RecordAsync"/>, and throws <see cref="AuditUnavailableException"/> like it, whenever the
    /// store is failing, the backlog is full, or <c>Audit:HotPaths</c> is <c>Committed</c>.
    /// </summary>
    ValueTask RecordHotPathAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default);
}
