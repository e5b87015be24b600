using System.Buffers.Text;

namespace Identity.Grains.Passkeys;

public sealed class CredentialIndexGrain(
    [PersistentState("credential-index", GrainStorage.Name)] IPersistentState<CredentialIndexState> state,
    TimeProvider time) : Grain, ICredentialIndexGrain
{
    public Task<Guid?> GetOwnerAsync() => Task.FromResult(state.State.Owner);

    public async Task<bool> ClaimAsync(Guid patient)
    {
        if (state.State.Owner is { } owner)
        {
            return owner == patient;
        }
        state.State = new CredentialIndexState { Owner = patient, ClaimedAt = time.GetUtcNow() };
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // Not written, so not claimed: memory must not run ahead of storage.
            state.State = new CredentialIndexState();
            throw;
        }
        return true;
    }

    /// <summary>The grain key for a credential id.</summary>
    public static string KeyFor(ReadOnlySpan<byte> credentialId) => Base64Url.EncodeToString(credentialId);
}
