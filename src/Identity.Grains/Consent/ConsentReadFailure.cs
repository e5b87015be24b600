namespace Identity.Grains.Consent;

/// <summary>
/// Why a body is not an acceptable FHIR R4 Consent: the HTTP status (400 unreadable or structurally wrong, 413 too large,
/// 422 well-formed but breaking an invariant or business rule), the OperationOutcome <c>issue.code</c>, a message a
/// developer can act on (never the offending value) and where, when known.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ConsentReadFailure(
    [property: Id(0)] int Status,
    [property: Id(1)] string IssueCode,
    [property: Id(2)] string Message,
    [property: Id(3)] string? Expression = null);
