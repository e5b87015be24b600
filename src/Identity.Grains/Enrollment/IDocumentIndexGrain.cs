namespace Identity.Grains.Enrollment;

/// <summary>
/// Keeps an identity document (an mDL) bound to one patient. Keyed by <see cref="DocumentIndexGrain.KeyFor"/>: a keyed
/// hash of (issuing country, document number), so neither the number nor a guessable hash of it is stored.
/// A claim is permanent: presenting the same document again leads to account recovery, never to a second patient.
/// </summary>
public interface IDocumentIndexGrain : IGrainWithStringKey
{
    /// <summary>The patient this document belongs to, or null.</summary>
    Task<Guid?> GetOwnerAsync();

    /// <summary>Binds the document to <paramref name="patient"/> unless it is already bound; returns the owner either way.</summary>
    Task<Guid> ClaimAsync(Guid patient);
}
