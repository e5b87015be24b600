namespace Identity.Api.Enrollment;

/// <summary>Carries an <see cref="EnrollmentFailure"/> out of response parsing.</summary>
public sealed class EnrollmentFailureException(EnrollmentFailure failure) : Exception(failure.Code)
{
    public EnrollmentFailure Failure { get; } = failure;
}
