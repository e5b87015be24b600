using System.Collections.Immutable;

namespace Identity.Grains.Consent;

public sealed class ConsentDirectoryGrain(
    [PersistentState("consent-directory", GrainStorage.Name)] IPersistentState<ConsentDirectoryState> state) : Grain, IConsentDirectoryGrain
{
    private ImmutableArray<Guid>? _patients;

    public Task<Guid?> OwnerAsync(string consentId) =>
        Task.FromResult(state.State.Owners.TryGetValue(consentId, out var owner) ? owner : (Guid?)null);

    public Task<ImmutableArray<Guid>> PatientsAsync() =>
        Task.FromResult(_patients ??= [.. state.State.Owners.Values.Distinct().Order()]);

    public async Task<bool> RegisterAsync(string consentId, Guid patient)
    {
        if (state.State.Owners.TryGetValue(consentId, out var owner))
        {
            return owner == patient;
        }
        state.State = state.State with { Owners = state.State.Owners.Add(consentId, patient) };
        await state.WriteStateAsync();
        _patients = null;
        return true;
    }
}
