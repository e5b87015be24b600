using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Validation;
using Identity.Grains.Audit;
using static Hl7.Fhir.Model.AuditEvent;

namespace Identity.Tests.Audit;

/// <summary>The BALP vectors parse with the SDK, and the events the service builds have their shape.</summary>
public sealed class BalpVectorTests
{
    private static readonly FhirJsonDeserializer Strict = new(new DeserializerSettings()
        .UsingMode(DeserializationMode.Strict, NarrativeValidationKind.FhirXhtml));

    private static readonly AuditContext Context = new("identityconsent", "192.0.2.10", new DateTimeOffset(2026, 3, 1, 10, 14, 2, TimeSpan.Zero));

    public static TheoryData<string> Vectors => [.. AuditVectors.Files];

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Vector_parses_strictly_and_validates(string file)
    {
        var resource = Strict.DeserializeResource(AuditVectors.Read(file));

        var auditEvent = Assert.IsType<AuditEvent>(resource);
        Assert.Empty(auditEvent.Validate(NarrativeValidationKind.FhirXhtml, new FhirAttributeValidator()));
        Assert.NotNull(auditEvent.Outcome);
        Assert.NotEmpty(auditEvent.Agent);
        Assert.Contains(auditEvent.Agent, a => a.Requestor == true);
    }

    [Fact]
    public void Failed_sign_in_has_the_shape_of_the_authentication_failure_vector()
    {
        var vector = Vector("authentication-failure.json");

        var unknownPasskey = BalpAuditEvents.SignIn(Context, null, [1, 2, 3], "passkey_unknown_credential");

        var shape = AuditEventShape.Of(unknownPasskey);
        var expected = AuditEventShape.Of(vector);
        Assert.Equal(expected.Type, shape.Type);
        Assert.Equal(expected.Subtypes, shape.Subtypes);
        Assert.Equal(expected.Action, shape.Action);
        Assert.Equal(expected.AgentTypes, shape.AgentTypes);
        Assert.Equal(vector.Outcome, unknownPasskey.Outcome);
        Assert.Equal(vector.Source.Type.Single().Code, unknownPasskey.Source.Type.Single().Code);
        Assert.Equal("2/13", shape.EntityRoles);
    }

    [Fact]
    public void Successful_sign_in_names_the_patient_as_the_vectors_do()
    {
        var patient = Guid.NewGuid();
        var vector = AuditEventShape.Of(Vector("authentication-failure.json"));
        var patientEntity = Vector("patient-access-read.json").Entity[0];

        var signedIn = BalpAuditEvents.SignIn(Context, patient, [1, 2, 3]);

        Assert.Equal(AuditEventOutcome.N0, signedIn.Outcome);
        Assert.Equal(vector.Type, AuditEventShape.Of(signedIn).Type);
        Assert.Equal(vector.AgentTypes, AuditEventShape.Of(signedIn).AgentTypes);
        var entity = signedIn.Entity[0];
        Assert.Equal($"Patient/{patient:D}", entity.What?.Reference);
        Assert.Equal((patientEntity.Type?.System, patientEntity.Type?.Code), (entity.Type?.System, entity.Type?.Code));
        Assert.Equal((patientEntity.Role?.System, patientEntity.Role?.Code), (entity.Role?.System, entity.Role?.Code));
        Assert.Equal($"Patient/{patient:D}", signedIn.Agent.Single(a => a.Requestor == true).Who?.Reference);
    }

    [Fact]
    public void Compliance_read_uses_the_query_entity_of_the_token_vector()
    {
        var query = Vector("token-issued.json").Entity.Single();

        var used = BalpAuditEvents.AuditLogUsed(Context, new ResourceReference { Identifier = new Identifier("urn:identityconsent:client", "compliance") },
            BalpCodes.Compliance, Guid.NewGuid(), "GET /fhir/AuditEvent?outcome=4");

        var entity = used.Entity.Single(e => e.Query is not null);
        Assert.Equal((query.Type?.Code, query.Role?.Code), (entity.Type?.Code, entity.Role?.Code));
        Assert.Equal("HCOMPL", used.Agent[0].PurposeOfUse.Single().Coding.Single().Code);
    }

    public static TheoryData<string> ServiceEvents => ["account", "account-refused", "passkey-added", "passkey-renamed", "passkey-removed",
        "passkey-refused", "signed-in", "sign-in-failed", "not-applied", "audit-log-used"];

    [Theory]
    [MemberData(nameof(ServiceEvents))]
    public void Service_events_round_trip_through_the_strict_parser_and_validate(string name)
    {
        var patient = Guid.NewGuid();
        AuditEvent built = name switch
        {
            "account" => BalpAuditEvents.AccountCreated(Context, patient),
            "account-refused" => BalpAuditEvents.AccountCreated(Context, null, "passkey_ceremony_missing"),
            "passkey-added" => BalpAuditEvents.PasskeyChanged(Context, patient, AuditEventAction.C, [9, 9]),
            "passkey-renamed" => BalpAuditEvents.PasskeyChanged(Context, patient, AuditEventAction.U, [9, 9]),
            "passkey-removed" => BalpAuditEvents.PasskeyChanged(Context, patient, AuditEventAction.D, [9, 9]),
            "passkey-refused" => BalpAuditEvents.PasskeyChanged(Context, patient, AuditEventAction.D, [9, 9], "last_passkey"),
            "signed-in" => BalpAuditEvents.SignIn(Context, patient, [9]),
            "sign-in-failed" => BalpAuditEvents.SignIn(Context, patient, [9], "passkey_signature_invalid"),
            "not-applied" => BalpAuditEvents.NotApplied(BalpAuditEvents.SignIn(Context, patient, [9]), Context.Recorded, "passkey_sign_count_regressed"),
            _ => BalpAuditEvents.AuditLogUsed(Context, new ResourceReference { Identifier = new Identifier("urn:x", "c") }, BalpCodes.Compliance, patient, "q"),
        };

        var json = AuditEventJson.Serialize(built);
        var parsed = Assert.IsType<AuditEvent>(Strict.DeserializeResource(json));

        Assert.Empty(parsed.Validate(NarrativeValidationKind.FhirXhtml, new FhirAttributeValidator()));
        Assert.Equal(json, AuditEventJson.Serialize(parsed));
        Assert.Equal(AuditEventShape.Of(built), AuditEventShape.Of(parsed));
        Assert.Equal(name == "account-refused" ? AuditChains.System : patient, AuditEventIndex.Read(json).Chain);
    }

    private static AuditEvent Vector(string file) => (AuditEvent)Strict.DeserializeResource(AuditVectors.Read(file));
}
