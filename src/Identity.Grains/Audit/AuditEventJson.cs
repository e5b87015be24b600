using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace Identity.Grains.Audit;

/// <summary>
/// The canonical form of an AuditEvent: the Firely SDK's compact FHIR JSON (elements in definition order, no
/// whitespace). Entries hash exactly these bytes, so the form only has to be stable for what is already stored.
/// </summary>
public static class AuditEventJson
{
    private static readonly JsonSerializerOptions Options = new JsonSerializerOptions().ForFhir();
    private static readonly FhirJsonDeserializer Deserializer = new(new DeserializerSettings());

    public static string Serialize(AuditEvent auditEvent) => JsonSerializer.Serialize(auditEvent, Options);

    /// <summary>Parses stored JSON back into an AuditEvent (strict: the service only stores what it wrote).</summary>
    public static AuditEvent Parse(string json) => Deserializer.DeserializeResource(json) as AuditEvent
        ?? throw new FormatException("The stored resource is not an AuditEvent.");
}
