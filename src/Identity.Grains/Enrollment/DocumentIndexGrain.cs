using System.Buffers.Text;

namespace Identity.Grains.Enrollment;

public sealed class DocumentIndexGrain(
    [PersistentState("document-index", GrainStorage.Name)] IPersistentState<DocumentIndexState> state,
    TimeProvider time) : Grain, IDocumentIndexGrain
{
    public Task<Guid?> GetOwnerAsync() => Task.FromResult(state.State.Owner);

    public async Task<Guid> ClaimAsync(Guid patient)
    {
        if (state.State.Owner is { } owner)
        {
            return owner;
        }
        state.State = new DocumentIndexState { Owner = patient, ClaimedAt = time.GetUtcNow() };
        await state.WriteStateAsync();
        return patient;
    }

    /// <summary>The grain key for a document key (the HMAC-SHA256 bytes).</summary>
    public static string KeyFor(ReadOnlySpan<byte> documentKey) => Base64Url.EncodeToString(documentKey);
}
