using System.Net;
using System.Net.Http.Headers;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Identity.Tests.Tokens;

namespace Identity.Tests.Audit;

/// <summary>A patient's app reads the patient's own access log with a <c>patient/AuditEvent.rs</c> token.</summary>
public sealed class PatientTokenAccessLogTests(TokenTestFactory factory) : IClassFixture<TokenTestFactory>
{
    [Fact]
    public async System.Threading.Tasks.Task An_app_token_with_patient_AuditEvent_scope_reads_only_its_patients_log()
    {
        using var flow = new OAuthFlow(factory);
        var patientId = await flow.RegisterPatientAsync(verified: false);
        var callback = await flow.AuthorizeAsync(flow.AuthorizationRequest("openid patient/AuditEvent.rs"));
        var (status, tokens) = await flow.RedeemAsync(callback["code"]);
        Assert.Equal(HttpStatusCode.OK, status);
        var accessToken = tokens.GetProperty("access_token").GetString()!;

        using var client = factory.CreateClient();
        using var own = new HttpRequestMessage(HttpMethod.Get, "/fhir/AuditEvent?patient=me");
        own.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var ownResponse = await client.SendAsync(own);
        Assert.Equal(HttpStatusCode.OK, ownResponse.StatusCode);
        var bundle = new FhirJsonDeserializer().Deserialize<Bundle>(await ownResponse.Content.ReadAsStringAsync());
        Assert.NotEmpty(bundle.Entry);
        Assert.All(bundle.Entry, entry => Assert.Contains(((AuditEvent)entry.Resource!).Entity,
            entity => entity.What?.Reference == $"Patient/{patientId:D}"));

        using var other = new HttpRequestMessage(HttpMethod.Get, $"/fhir/AuditEvent?patient={Guid.NewGuid():D}");
        other.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var otherResponse = await client.SendAsync(other);
        Assert.True(otherResponse.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized, $"{otherResponse.StatusCode}");

        using var anonymous = await client.GetAsync("/fhir/AuditEvent?patient=me");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }
}
