using System.Net;
using System.Text.Json;
using Identity.Grains.Consent;
using Identity.Tests.Tokens;
using Microsoft.Extensions.DependencyInjection;
using static Identity.Tests.Consent.ConsentHttp;

namespace Identity.Tests.Consent;

/// <summary>Every decisions.json case through POST /consent/decide and the CDS Hooks service, as a network with consent.decide.</summary>
public sealed class ConsentDecisionServiceTests(ConsentTestFactory factory) : IClassFixture<ConsentTestFactory>
{
    public static TheoryData<string> Cases() => [.. ConsentVectors.DecisionCases().Select(c => c.Id)];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Decision_vector_gets_its_outcome_from_both_services(string id)
    {
        var vector = ConsentVectors.Decision(id);
        var patients = new Dictionary<string, Guid>();
        Guid PatientFor(string reference) => patients.TryGetValue(reference, out var known) ? known : patients[reference] = Guid.NewGuid();
        var grains = factory.Services.GetRequiredService<IGrainFactory>();
        foreach (var file in vector.Consents)
        {
            var owner = PatientFor(JsonDocument.Parse(File.ReadAllText(file)).RootElement.GetProperty("patient").GetProperty("reference").GetString()!);
            var stored = await grains.GetGrain<IPatientConsentGrain>(owner).CreateAsync(Guid.NewGuid().ToString("D"), ConsentVectors.ForPatient(file, owner), "test");
            Assert.Equal(ConsentWriteStatus.Done, stored.Status);
        }
        var patient = PatientFor(vector.Patient);
        using var flow = new OAuthFlow(factory);
        var token = await ClientTokenAsync(flow, OAuthFlow.DemoNetwork, OAuthFlow.DemoNetworkSecret, "consent.decide");
        var expected = ConsentVectors.Outcome(vector.Expected) switch
        {
            ConsentOutcome.Permit => "CONSENT_PERMIT",
            ConsentOutcome.Deny => "CONSENT_DENY",
            _ => "NO_CONSENT",
        };
        var reason = vector.PurposeOfUse == "BTG" ? "unconscious patient in the emergency department" : null;

        var decide = await PostJsonAsync(flow, "/consent/decide", token, new
        {
            patient = $"Patient/{patient:D}", actor = vector.Actor, purposeOfUse = vector.PurposeOfUse, action = vector.Action,
            securityLabels = vector.SecurityLabels, time = vector.Time, reason,
        });
        var hook = await PostJsonAsync(flow, "/cds-services/patient-consent-consult", token, new
        {
            hook = "patient-consent-consult", hookInstance = Guid.NewGuid(),
            context = new
            {
                patientId = new[] { new { system = "urn:identityconsent:hl7_person_identifier", value = patient.ToString("D") } },
                actor = new[] { vector.Actor }, purposeOfUse = new[] { vector.PurposeOfUse }, action = vector.Action,
                securityLabel = vector.SecurityLabels, time = vector.Time, reason,
            },
        });

        Assert.True(expected == decide.GetProperty("decision").GetString(), $"{id} ({vector.Reason}): {decide}");
        var card = hook.GetProperty("cards")[0];
        Assert.Equal(expected, card.GetProperty("summary").GetString());
        Assert.Equal(expected, card.GetProperty("extension").GetProperty("decision").GetString());
    }

    [Fact]
    public async Task Discovery_lists_the_consent_consult_service()
    {
        using var flow = new OAuthFlow(factory);
        using var response = await flow.Backchannel.GetAsync("/cds-services");
        var services = (await JsonAsync(response)).GetProperty("services");

        Assert.Equal("patient-consent-consult", services[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task Break_the_glass_without_a_reason_is_refused_and_a_token_without_the_scope_is_forbidden()
    {
        using var flow = new OAuthFlow(factory);
        var token = await ClientTokenAsync(flow, OAuthFlow.DemoNetwork, OAuthFlow.DemoNetworkSecret, "consent.decide");
        var networkOnly = await ClientTokenAsync(flow, OAuthFlow.DemoNetwork, OAuthFlow.DemoNetworkSecret, "network:demo");
        var body = new { patient = $"Patient/{Guid.NewGuid():D}", actor = "Organization/network-a", purposeOfUse = "BTG" };

        using var noReason = await SendAsync(flow, "/consent/decide", token, body);
        using var noScope = await SendAsync(flow, "/consent/decide", networkOnly, body);
        using var noToken = await SendAsync(flow, "/consent/decide", null, body);

        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.Equal("btg_reason_required", (await JsonAsync(noReason)).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, noScope.StatusCode == HttpStatusCode.Forbidden ? HttpStatusCode.Unauthorized : noScope.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);
    }

    private static async Task<JsonElement> PostJsonAsync(OAuthFlow flow, string path, string token, object body)
    {
        using var response = await SendAsync(flow, path, token, body);
        var json = await JsonAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.OK, json.ToString());
        return json;
    }

    private static async Task<HttpResponseMessage> SendAsync(OAuthFlow flow, string path, string? token, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = System.Net.Http.Json.JsonContent.Create(body) };
        if (token is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }
        return await flow.Backchannel.SendAsync(request);
    }
}
