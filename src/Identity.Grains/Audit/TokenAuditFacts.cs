using Hl7.Fhir.Model;

namespace Identity.Grains.Audit;

/// <summary>
/// What a token AuditEvent says about the request: the client, the patient (if any), the token types, audiences and
/// scopes involved, the authorization (grant) id, the purpose of use and the request line without secrets.
/// </summary>
public sealed record TokenAuditFacts(
    string? ClientId,
    Guid? Patient,
    IReadOnlyCollection<string> TokenTypes,
    IReadOnlyCollection<string> Audiences,
    IReadOnlyCollection<string> Scopes,
    string? AuthorizationId,
    CodeableConcept? Purpose,
    string Query);
