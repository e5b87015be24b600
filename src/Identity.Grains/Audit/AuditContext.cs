namespace Identity.Grains.Audit;

/// <summary>Where and when an audited request happened: this service's site name, the client's network address, the time.</summary>
public sealed record AuditContext(string Site, string? ClientAddress, DateTimeOffset Recorded);
