namespace Identity.Api.Enrollment;

/// <summary>
/// OpenID4VP nonces: each is accepted once, within its lifetime (10 minutes). Memory in embedded mode; Redis when
/// <c>ConnectionStrings:Redis</c> is set, so every API instance refuses a nonce another one already accepted.
/// </summary>
public interface IEnrollmentNonceLedger
{
    Task IssueAsync(string nonce, TimeSpan lifetime, CancellationToken cancellationToken = default);

    /// <summary>True exactly once for an issued, unexpired nonce; false for unknown, expired or spent ones.</summary>
    Task<bool> TryConsumeAsync(string nonce, CancellationToken cancellationToken = default);
}
