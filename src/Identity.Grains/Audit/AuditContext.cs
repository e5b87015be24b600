using Hl7.Fhir.Model;

namespace Identity.Grains.Audit;

/// <summary>Where and when an audited request happened: this service's site name, the client's network address, the time.</summary>
public sealed record AuditContext(string Site, string? ClientAddress, DateTimeOffset Recorded)
{
    /// <summary>This service as the event's source: the security server observing at <see cref="Site"/> (BALP).</summary>
    public AuditEvent.SourceComponent Source() => new()
    {
        Site = Site,
        Observer = new ResourceReference { Display = Site },
        Type = [BalpCodes.SecurityServer],
    };
}
