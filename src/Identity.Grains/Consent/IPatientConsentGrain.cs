using System.Collections.Immutable;
using Orleans.Concurrency;

namespace Identity.Grains.Consent;

/// <summary>
/// The FHIR R4 Consents of one patient, keyed by the patient's <c>hl7_person_identifier</c>: current and historical
/// versions, and the decisions they give. Kept apart from <c>PatientGrain</c> (ARCHITECTURE.md places consents there):
/// consent state changes independently of passkeys and identity, every write stores only consents, and decisions
/// (the hot path) never wait behind passkey or enrolment writes. A change is acknowledged only after it is stored.
/// </summary>
public interface IPatientConsentGrain : IGrainWithGuidKey
{
    /// <summary>The current version of each consent.</summary>
    [ReadOnly]
    Task<ImmutableArray<ConsentVersion>> CurrentAsync();

    /// <summary>A version (the current one when <paramref name="versionId"/> is null), or null.</summary>
    [ReadOnly]
    Task<ConsentVersion?> ReadAsync(string consentId, int? versionId = null);

    /// <summary>Every version of one consent, or of all of them when <paramref name="consentId"/> is null, newest first.</summary>
    [ReadOnly]
    Task<ImmutableArray<ConsentVersion>> HistoryAsync(string? consentId = null);

    /// <summary>The current version of the consent recording an OAuth grant (Consent.identifier), or null.</summary>
    [ReadOnly]
    Task<ConsentVersion?> FindByAuthorizationAsync(string authorizationId);

    [ReadOnly]
    Task<ConsentDecision> DecideAsync(ConsentDecisionRequest request);

    /// <summary>Stores version 1 of a new consent; its <c>patient</c> must be this patient.</summary>
    Task<ConsentWriteResult> CreateAsync(string consentId, string json, string changedBy);

    /// <summary>Stores a new version if <paramref name="expectedVersionId"/> is the current one.</summary>
    Task<ConsentWriteResult> UpdateAsync(string consentId, string json, int expectedVersionId, string changedBy);

    /// <summary>Stores a new version with status inactive (done and unchanged if it is inactive already).</summary>
    Task<ConsentWriteResult> WithdrawAsync(string consentId, string changedBy);

    /// <summary>
    /// Writes the current version of every consent of this patient to the query projection again and clears its pending
    /// marks (the repair pass calls this when a write or projection may not have finished). Idempotent.
    /// </summary>
    Task ReprojectAsync();
}
