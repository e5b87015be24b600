using System.Collections.Concurrent;
using Hl7.Fhir.Model;
using Identity.Api.Audit;
using Identity.Grains.Audit;

namespace Identity.Tests.Enrollment;

/// <summary>The real audit trail, with a copy of every event it stored for assertions.</summary>
public sealed class RecordingAuditTrail(IAuditTrail inner) : IAuditTrail
{
    private readonly ConcurrentQueue<AuditEvent> _events = new();

    public IReadOnlyCollection<AuditEvent> Events => _events;

    public async Task<AuditEntry> RecordAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default)
    {
        var entry = await inner.RecordAsync(auditEvent, cancellationToken);
        _events.Enqueue(auditEvent);
        return entry;
    }

    public async ValueTask RecordHotPathAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default)
    {
        await inner.RecordHotPathAsync(auditEvent, cancellationToken);
        _events.Enqueue(auditEvent);
    }
}
