using Identity.Grains.Audit;

namespace Identity.Api.Audit;

/// <summary>The <c>Audit</c> configuration section.</summary>
public sealed record AuditSettings
{
    public const string Section = "Audit";

    /// <summary>How long entries are kept before <c>audit purge</c> may remove them (HIPAA: at least six years).</summary>
    public int RetentionYears { get; init; } = AuditRetention.DefaultYears;

    /// <summary>This service's name in AuditEvent.source.site and the server agent.</summary>
    public string Site { get; init; } = "identityconsent";

    /// <summary>How long an audit write may wait for the store (SQLite lock, PostgreSQL connect and command) before the request fails with 503.</summary>
    public int TimeoutSeconds { get; init; } = 5;

    /// <summary>Whether introspection and consent decisions answer before or after their audit event is committed.</summary>
    public HotPathAudit HotPaths { get; init; } = HotPathAudit.WriteBehind;

    /// <summary>Retry-After sent with <c>audit_unavailable</c>.</summary>
    public int RetryAfterSeconds { get; init; } = 5;
}
