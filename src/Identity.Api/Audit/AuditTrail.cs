using Hl7.Fhir.Model;
using Identity.Grains.Audit;

namespace Identity.Api.Audit;

/// <summary>Serializes events to their canonical JSON and appends them to the audit store.</summary>
public sealed class AuditTrail(AuditStore store, TimeProvider time) : IAuditTrail
{
    public Task<AuditEntry> RecordAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default)
    {
        // The entry's time and the event's recorded time are the same instant, at the millisecond precision the hash covers.
        var recorded = DateTimeOffset.FromUnixTimeMilliseconds((auditEvent.Recorded ?? time.GetUtcNow()).ToUnixTimeMilliseconds());
        auditEvent.Recorded = recorded;
        return store.AppendAsync(AuditEventJson.Serialize(auditEvent), recorded, cancellationToken);
    }
}
