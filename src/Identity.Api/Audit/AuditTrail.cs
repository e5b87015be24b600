using Hl7.Fhir.Model;
using Identity.Grains.Audit;
using Microsoft.Extensions.Options;

namespace Identity.Api.Audit;

/// <summary>Serializes events to their canonical JSON and appends them to the audit store.</summary>
public sealed class AuditTrail(AuditStore store, TimeProvider time, IOptions<AuditSettings> settings) : IAuditTrail
{
    private readonly bool _writeBehind = settings.Value.HotPaths == HotPathAudit.WriteBehind;

    public Task<AuditEntry> RecordAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default)
    {
        var (json, recorded) = Canonical(auditEvent);
        return store.AppendAsync(json, recorded, cancellationToken);
    }

    public ValueTask RecordHotPathAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default)
    {
        // Serialized by the store's writer, off the request's path; callers do not change an event once recorded.
        var recorded = Stamp(auditEvent);
        return _writeBehind && store.TryAppendBehind(() => AuditEventJson.Serialize(auditEvent), recorded)
            ? ValueTask.CompletedTask
            : new ValueTask(store.AppendAsync(AuditEventJson.Serialize(auditEvent), recorded, cancellationToken));
    }

    private (string Json, DateTimeOffset Recorded) Canonical(AuditEvent auditEvent)
    {
        var recorded = Stamp(auditEvent);
        return (AuditEventJson.Serialize(auditEvent), recorded);
    }

    /// <summary>The entry's time and the event's recorded time are the same instant, at the millisecond precision the hash covers.</summary>
    private DateTimeOffset Stamp(AuditEvent auditEvent)
    {
        var recorded = DateTimeOffset.FromUnixTimeMilliseconds((auditEvent.Recorded ?? time.GetUtcNow()).ToUnixTimeMilliseconds());
        auditEvent.Recorded = recorded;
        return recorded;
    }
}
