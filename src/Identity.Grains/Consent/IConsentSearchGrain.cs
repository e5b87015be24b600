using Orleans.Concurrency;

namespace Identity.Grains.Consent;

/// <summary>
/// Reads of the consent query projection for callers that are not silos themselves (an API process may be an Orleans
/// client): which patient holds a consent id, compliance search, and type-level history. A stateless worker, so each silo
/// answers from its own connection pool and no single grain sits in the path; any key (use 0).
/// Hits are candidates: the caller reads each from its patient grain and checks it again.
/// </summary>
public interface IConsentSearchGrain : IGrainWithIntegerKey
{
    [ReadOnly]
    Task<Guid?> PatientOfAsync(string consentId);

    [ReadOnly]
    Task<ConsentProjectionPage> SearchAsync(ConsentProjectionQuery query);

    [ReadOnly]
    Task<ConsentProjectionPage> HistoryAsync(DateTimeOffset? since, int offset, int count);
}
