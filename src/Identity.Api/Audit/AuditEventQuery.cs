namespace Identity.Api.Audit;

/// <summary>
/// A search of the audit trail (the FHIR AuditEvent search parameters the compliance API supports).
/// Criteria left null match anything; all given criteria must match.
/// </summary>
public sealed record AuditEventQuery
{
    public const int DefaultCount = 50;
    public const int MaximumCount = 500;

    /// <summary>The patient's chain (<c>patient</c>).</summary>
    public Guid? Patient { get; init; }

    /// <summary>An agent's reference (<c>Patient/…</c>) or identifier as <c>system|value</c> (<c>agent</c>).</summary>
    public string? Agent { get; init; }

    /// <summary>C, R, U, D or E (<c>action</c>).</summary>
    public string? Action { get; init; }

    /// <summary>0, 4, 8 or 12 (<c>outcome</c>).</summary>
    public string? Outcome { get; init; }

    /// <summary>Recorded at or after (<c>date=ge…</c>).</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Recorded before (<c>date=lt…</c>).</summary>
    public DateTimeOffset? Before { get; init; }

    /// <summary>An entity.type code, e.g. 1 (Person) or 2 (System Object) (<c>entity-type</c>).</summary>
    public string? EntityType { get; init; }

    /// <summary>A purpose-of-use code, e.g. TREAT or PATRQT (<c>purpose</c>).</summary>
    public string? Purpose { get; init; }

    /// <summary>The event type code, e.g. 110114 (<c>type</c>).</summary>
    public string? Type { get; init; }

    /// <summary>Only entries recorded up to this instant: set in paging links (<c>_snapshot</c>) so later entries do not shift the pages.</summary>
    public DateTimeOffset? Snapshot { get; init; }

    public int Count { get; init; } = DefaultCount;

    public int Offset { get; init; }
}
