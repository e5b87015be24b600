using Identity.Api.Hosting;

namespace Identity.Api.Enrollment;

/// <summary>Why an enrolment step was refused: a stable code, an HTTP status and a message a developer can act on (never document content).</summary>
public sealed record EnrollmentFailure(int Status, string Code, string Title, string? Detail = null)
{
    public IResult ToProblem() => Problems.Create(Status, Code, Title, Detail);

    public static EnrollmentFailure BadRequest(string code, string title, string? detail = null) =>
        new(StatusCodes.Status400BadRequest, code, title, detail);

    public static EnrollmentFailure SessionNotFound { get; } = new(StatusCodes.Status404NotFound, "enrollment_not_found",
        "There is no such enrolment, or it has expired; start again.");

    public static EnrollmentFailure ResponseReplayed { get; } = new(StatusCodes.Status409Conflict, "enrollment_response_replayed",
        "This request was already answered: its nonce is single use. Start a new enrolment.");

    public static EnrollmentFailure Expired { get; } = new(StatusCodes.Status410Gone, "enrollment_expired",
        "This enrolment request is older than 10 minutes; start again.");
}
