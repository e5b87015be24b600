using Identity.Grains.Consent;

namespace Identity.Tests.Consent;

/// <summary>Every case of shared/vectors/fhir/decisions.json through the pure engine, plus the rules the vectors leave implicit.</summary>
public sealed class ConsentDecisionEngineTests
{
    public static TheoryData<string> Cases() => [.. ConsentVectors.DecisionCases().Select(c => c.Id)];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decision_vector_gets_its_expected_outcome(string id)
    {
        var vector = ConsentVectors.Decision(id);
        var rules = vector.Consents.Select((file, i) => ConsentRule.From(Read(file), 1));

        var decision = ConsentDecisionEngine.Decide(rules, vector.Request());

        Assert.True(ConsentVectors.Outcome(vector.Expected) == decision.Outcome, $"{id}: expected {vector.Expected} ({vector.Reason}), got {decision.Outcome}");
        Assert.Equal(decision.Outcome == ConsentOutcome.NoConsent, decision.DecidedBy.IsEmpty);
        Assert.All(decision.DecidedBy, p => Assert.Equal(decision.Outcome, p.Type));
    }

    [Fact]
    public void Third_level_exception_is_named_as_the_deciding_provision()
    {
        var decision = ConsentDecisionEngine.Decide([ConsentRule.From(Read(ConsentVectors.Valid("svc-permit-except-42cfr2.json")), 3)], ConsentVectors.Decision("D14").Request());

        var decider = Assert.Single(decision.DecidedBy);
        Assert.Equal(new DecidingProvision("svc-permit-except-42cfr2", 3, "Consent.provision.provision[0].provision[0]", ConsentOutcome.Permit), decider);
        Assert.Contains(decision.Obligations, o => o.Code == "NORDSCLCD");
    }

    [Fact]
    public void Break_the_glass_permit_carries_the_audit_obligation()
    {
        var decision = ConsentDecisionEngine.Decide([ConsentRule.From(Read(ConsentVectors.Valid("svc-deny-except-btg.json")), 1)], ConsentVectors.Decision("D06").Request());

        Assert.Equal(ConsentOutcome.Permit, decision.Outcome);
        Assert.Contains(decision.Obligations, o => o.Code == "AUDTR");
    }

    [Fact]
    public void Break_the_glass_is_not_permitted_by_a_consent_that_lists_other_purposes()
    {
        var vector = ConsentVectors.Decision("D01");
        var decision = ConsentDecisionEngine.Decide([ConsentRule.From(Read(ConsentVectors.Valid("svc-permit-network-treat.json")), 1)],
            vector.Request() with { PurposeOfUse = "BTG" });

        Assert.Equal(ConsentOutcome.NoConsent, decision.Outcome);
    }

    [Fact]
    public void Provision_naming_any_of_several_actors_concerns_the_request()
    {
        var vector = ConsentVectors.Decision("D21");
        var decision = ConsentDecisionEngine.Decide([ConsentRule.From(Read(ConsentVectors.Valid("svc-deny-clinic-b.json")), 1)],
            vector.Request(actors: ["urn:identityconsent:client|some-app", "Organization/clinic-b"]));

        Assert.Equal(ConsentOutcome.Deny, decision.Outcome);
    }

    [Fact]
    public void Provision_with_resource_level_criteria_never_matches()
    {
        // consent-example-notThis names a single Task in provision.data: a request about data classes cannot be judged by it.
        var decision = ConsentDecisionEngine.Decide([ConsentRule.From(Read(ConsentVectors.Valid("consent-example-notThis.json")), 1)], new ConsentDecisionRequest
        {
            Patient = "Patient/f001", Actors = ["Organization/f001"], PurposeOfUse = "TREAT", Time = DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture),
        });

        Assert.Equal(ConsentOutcome.NoConsent, decision.Outcome);
    }

    internal static Hl7.Fhir.Model.Consent Read(string path)
    {
        var (consent, failure) = ConsentResourceReader.Read(File.ReadAllBytes(path));
        Assert.True(failure is null, failure?.Message);
        return consent!;
    }
}
