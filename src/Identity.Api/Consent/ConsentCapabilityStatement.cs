using Hl7.Fhir.Model;
using static Hl7.Fhir.Model.CapabilityStatement;

namespace Identity.Api.Consent;

/// <summary>
/// <c>/fhir/metadata</c>: what this FHIR endpoint really serves. Consent is described from this feature; AuditEvent
/// (served by the audit trail) is listed only when its route is mapped in this process.
/// </summary>
public static class ConsentCapabilityStatement
{
    public static CapabilityStatement Build(string baseUrl, bool hasAuditEvent, DateTimeOffset date)
    {
        var rest = new RestComponent
        {
            Mode = RestfulCapabilityMode.Server,
            Security = new SecurityComponent
            {
                Service = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/restful-security-service", "SMART-on-FHIR")],
                Description = "A patient signed in with a passkey manages their own consents; bearer access tokens from this service: "
                    + "patient/Consent.* (own consents), system/Consent.rs (compliance). Discovery: /.well-known/smart-configuration.",
            },
        };
        rest.Resource.Add(new ResourceComponent
        {
            Type = "Consent",
            Profile = "http://hl7.org/fhir/StructureDefinition/Consent",
            Interaction =
            [
                Interaction(TypeRestfulInteraction.Read), Interaction(TypeRestfulInteraction.Vread),
                Interaction(TypeRestfulInteraction.Create), Interaction(TypeRestfulInteraction.Update),
                Interaction(TypeRestfulInteraction.SearchType,
                    "Paged: _count (default 50, at most 500; 0 gives only the total) and _offset, with Bundle links self, first, previous and next."),
                Interaction(TypeRestfulInteraction.HistoryInstance, "Newest first; paged with _count and _offset."),
                Interaction(TypeRestfulInteraction.HistoryType,
                    "Every version of the consents you may read (your own; everyone's with system/Consent.rs), newest first; _since, _count, _offset."),
            ],
            Versioning = ResourceVersionPolicy.VersionedUpdate,
            ReadHistory = true,
            UpdateCreate = false,
            ConditionalCreate = false,
            ConditionalUpdate = false,
            ConditionalDelete = ConditionalDeleteStatus.NotSupported,
            SearchParam =
            [
                Param("patient", SearchParamType.Reference, "Consent.patient (Patient/{hl7_person_identifier})"),
                Param("status", SearchParamType.Token, "Consent.status"),
                Param("actor", SearchParamType.Reference, "Consent.provision.actor.reference, any level; identifiers as system|value"),
                Param("purpose", SearchParamType.Token, "Consent.provision.purpose, any level"),
                Param("date", SearchParamType.Date, "Consent.dateTime"),
            ],
        });
        if (hasAuditEvent)
        {
            rest.Resource.Add(new ResourceComponent
            {
                Type = "AuditEvent",
                Interaction = [Interaction(TypeRestfulInteraction.Read), Interaction(TypeRestfulInteraction.SearchType)],
                SearchParam =
                [
                    Param("patient", SearchParamType.Reference, "patient=me for your own access log"),
                    Param("agent", SearchParamType.Reference, null), Param("action", SearchParamType.Token, null),
                    Param("outcome", SearchParamType.Token, null), Param("type", SearchParamType.Token, null),
                    Param("entity-type", SearchParamType.Token, null), Param("purpose", SearchParamType.Token, null),
                    Param("date", SearchParamType.Date, null),
                ],
            });
        }
        return new CapabilityStatement
        {
            Status = PublicationStatus.Active,
            Date = date.ToString("yyyy-MM-ddTHH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture),
            Kind = CapabilityStatementKind.Instance,
            Software = new SoftwareComponent { Name = "IdentityConsent" },
            Implementation = new ImplementationComponent { Description = "IdentityConsent FHIR R4 endpoint", Url = $"{baseUrl}/fhir" },
            FhirVersion = FHIRVersion.N4_0_1,
            Format = ["application/fhir+json"],
            Rest = [rest],
        };
    }

    private static ResourceInteractionComponent Interaction(TypeRestfulInteraction code, string? documentation = null) =>
        new() { Code = code, Documentation = documentation };

    private static CapabilityStatement.SearchParamComponent Param(string name, SearchParamType type, string? documentation) =>
        new() { Name = name, Type = type, Documentation = documentation };
}
