using Orleans.Concurrency;

namespace Identity.Grains.Consent;

[StatelessWorker]
public sealed class ConsentSearchGrain(IConsentProjection projection) : Grain, IConsentSearchGrain
{
    public Task<Guid?> PatientOfAsync(string consentId) => projection.PatientOfAsync(consentId);

    public Task<ConsentProjectionPage> SearchAsync(ConsentProjectionQuery query) => projection.SearchAsync(query);

    public Task<ConsentProjectionPage> HistoryAsync(DateTimeOffset? since, int offset, int count) =>
        projection.HistoryAsync(since, offset, count);
}
