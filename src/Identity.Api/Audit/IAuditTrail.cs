using Hl7.Fhir.Model;
using Identity.Grains.Audit;

namespace Identity.Api.Audit;

/// <summary>The tamper-evident audit trail every audited operation writes to before it replies.</summary>
public interface IAuditTrail
{
    /// <summary>
    /// Stores the event durably in its chain (its patient's, or the system chain) and returns the entry.
    /// Throws <see cref="AuditUnavailableException"/> when it cannot: the caller must then not go ahead.
    /// </summary>
    Task<AuditEntry> RecordAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default);
}
