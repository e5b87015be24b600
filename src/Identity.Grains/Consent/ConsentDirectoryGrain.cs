using System.Collections.Immutable;

namespace Identity.Grains.Consent;

public sealed class ConsentDirectoryGrain(
    [PersistentState("consent-directory", GrainStorage.Name)] IPersistentState<ConsentDirectoryState> state,
    IConsentProjection projection,
    TimeProvider time) : Grain, IConsentDirectoryGrain
{
    private const int CopyBatch = 1000;

    public async Task<Guid?> OwnerAsync(string consentId) =>
        state.State.Owners.TryGetValue(consentId, out var owner) ? owner : await projection.PatientOfAsync(consentId);

    public Task<ImmutableArray<Guid>> PatientsAsync() =>
        Task.FromResult<ImmutableArray<Guid>>([.. state.State.Owners.Values.Distinct().Order()]);

    public Task<bool> RegisterAsync(string consentId, Guid patient) =>
        state.State.Owners.TryGetValue(consentId, out var owner)
            ? Task.FromResult(owner == patient)
            : projection.ClaimAsync(consentId, patient, 1, time.GetUtcNow());

    public async Task<int> CopyToProjectionAsync()
    {
        // Nothing adds to Owners any more, so an unchanged count means this copy was done (by this or another silo).
        if (state.State.CopiedToProjection == state.State.Owners.Count)
        {
            return 0;
        }
        var copied = 0;
        foreach (var batch in state.State.Owners.Chunk(CopyBatch))
        {
            copied += await projection.ImportOwnersAsync(batch);
        }
        state.State = state.State with { CopiedToProjection = state.State.Owners.Count };
        await state.WriteStateAsync();
        return copied;
    }
}
