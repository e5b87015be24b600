using System.Collections.Immutable;

namespace Identity.Grains.Consent;

/// <summary>
/// The consent query projection (a table in the grain-storage database): for every Consent id its patient, and for its
/// current version the values FHIR search compares, plus one row per version for type-level history. Written only by
/// <see cref="PatientConsentGrain"/>, which stays the source of truth; everyone else only reads it to find candidates.
/// <para>
/// Consistency: <see cref="ClaimAsync"/> runs before the grain writes its state (binding a new id to its patient, refusing an
/// id another patient holds, and marking the row pending); <see cref="ProjectAsync"/> after (idempotent, never backwards,
/// clears the mark). A row still pending after a while means a write or projection did not finish: the repair pass asks
/// that patient's grain to project everything it holds again (<see cref="IPatientConsentGrain.ReprojectAsync"/>).
/// </para>
/// </summary>
public interface IConsentProjection
{
    /// <summary>
    /// Before version <paramref name="versionId"/> of a consent is stored: binds the id to the patient if it is new, and
    /// marks the row pending until that version is projected. False (and nothing changed) when the id is another patient's.
    /// </summary>
    Task<bool> ClaimAsync(string consentId, Guid patient, int versionId, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>
    /// After the grain stored <paramref name="row"/>'s version: replaces the row's search values unless it already holds a
    /// newer version, lists <paramref name="versions"/> for history (existing ones are kept), and clears the pending mark.
    /// </summary>
    Task ProjectAsync(ConsentProjectionRow row, IReadOnlyCollection<ConsentVersion> versions, CancellationToken cancellationToken = default);

    /// <summary>Clears every pending mark of a patient whose grain has just projected everything it holds.</summary>
    Task SettleAsync(Guid patient, CancellationToken cancellationToken = default);

    /// <summary>The patient a consent id is bound to, or null.</summary>
    Task<Guid?> PatientOfAsync(string consentId, CancellationToken cancellationToken = default);

    /// <summary>Current consents matching <paramref name="query"/>: the total and one page.</summary>
    Task<ConsentProjectionPage> SearchAsync(ConsentProjectionQuery query, CancellationToken cancellationToken = default);

    /// <summary>Versions recorded at or after <paramref name="since"/>, newest first: the total and one page.</summary>
    Task<ConsentProjectionPage> HistoryAsync(DateTimeOffset? since, int offset, int count, CancellationToken cancellationToken = default);

    /// <summary>Patients with a row marked pending before <paramref name="before"/> (at most <paramref name="limit"/>).</summary>
    Task<ImmutableArray<Guid>> PendingPatientsAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Upgrade back-fill: binds ids to patients as the former consent directory had them (ids already bound are left alone)
    /// and marks them pending, so the repair pass projects their search values from the patient grains. Returns how many were new.
    /// </summary>
    Task<int> ImportOwnersAsync(IReadOnlyCollection<KeyValuePair<string, Guid>> owners, CancellationToken cancellationToken = default);
}
