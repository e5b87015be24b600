namespace Identity.Grains.Audit;

/// <summary>What a token service AuditEvent records (its code in <see cref="BalpCodes.ServiceEvent"/>).</summary>
public enum TokenOperation
{
    /// <summary>Tokens issued for an authorization code or client credentials.</summary>
    Issued,

    /// <summary>Tokens issued for a refresh token (which is rotated).</summary>
    Refreshed,

    /// <summary>A token issued for another network's audience (RFC 8693).</summary>
    Exchanged,

    Revoked,

    Introspected,

    /// <summary>An authorization or token request refused with an OAuth error.</summary>
    Refused,
}
