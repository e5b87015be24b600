namespace Identity.Api.Audit;

/// <summary>The audit store could not take or give entries; the audited operation must not go ahead (503 <c>audit_unavailable</c>).</summary>
public sealed class AuditUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
