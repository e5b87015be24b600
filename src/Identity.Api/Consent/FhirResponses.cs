using System.Text;
using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Identity.Grains.Consent;

namespace Identity.Api.Consent;

/// <summary><c>application/fhir+json</c> answers: resources, stored JSON as is, and OperationOutcomes for every refusal.</summary>
public static class FhirResponses
{
    public const string FhirJson = "application/fhir+json";

    private static readonly JsonSerializerOptions Fhir = new JsonSerializerOptions().ForFhir();

    public static IResult Resource(Resource resource, int status = StatusCodes.Status200OK) =>
        Results.Text(JsonSerializer.Serialize(resource, Fhir), FhirJson, Encoding.UTF8, status);

    /// <summary>A stored Consent version with its ETag and Last-Modified.</summary>
    public static IResult Version(HttpContext http, ConsentVersion version, int status = StatusCodes.Status200OK)
    {
        http.Response.Headers.ETag = version.ETag;
        http.Response.Headers.LastModified = version.RecordedAt.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        if (status == StatusCodes.Status201Created || status == StatusCodes.Status200OK && HttpMethods.IsPut(http.Request.Method))
        {
            http.Response.Headers.Location = $"{BaseUrl(http)}/fhir/Consent/{version.ConsentId}/_history/{version.VersionId}";
        }
        return Results.Text(version.Json, FhirJson, Encoding.UTF8, status);
    }

    public static IResult Outcome(int status, string issueCode, string message, string? expression = null)
    {
        var outcome = new OperationOutcome();
        var issue = new OperationOutcome.IssueComponent
        {
            Severity = OperationOutcome.IssueSeverity.Error,
            Code = Hl7.Fhir.Utility.EnumUtility.ParseLiteral<OperationOutcome.IssueType>(issueCode) ?? OperationOutcome.IssueType.Invalid,
            Diagnostics = message,
        };
        if (expression is not null)
        {
            issue.Expression = [expression];
        }
        outcome.Issue.Add(issue);
        return Resource(outcome, status);
    }

    public static IResult Refused(ConsentReadFailure failure) => Outcome(failure.Status, failure.IssueCode, failure.Message, failure.Expression);

    public static IResult Unauthenticated() =>
        Outcome(StatusCodes.Status401Unauthorized, "login", "Sign in with a passkey, or present a valid access token with a Consent scope.");

    public static IResult Forbidden(string message) => Outcome(StatusCodes.Status403Forbidden, "forbidden", message);

    public static IResult NotFound(string message) => Outcome(StatusCodes.Status404NotFound, "not-found", message);

    public static string BaseUrl(HttpContext http) => $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}";
}
