using System.Collections.Immutable;
using Orleans.Concurrency;

namespace Identity.Grains.Consent;

/// <summary>
/// The former consent directory (one grain, key 0): which patient each consent id belonged to, as written by releases
/// before the query projection (<see cref="IConsentProjection"/>). Nothing adds to it any more; it is kept so an upgraded
/// deployment copies it into the projection once (<see cref="CopyToProjectionAsync"/>, at silo start-up), and so silos of
/// the previous release still get answers during a rolling upgrade.
/// </summary>
public interface IConsentDirectoryGrain : IGrainWithIntegerKey
{
    /// <summary>The patient of a consent id: the old directory, else the projection. For silos of the previous release.</summary>
    [ReadOnly]
    Task<Guid?> OwnerAsync(string consentId);

    /// <summary>The patients the old directory knew (not those added since). For silos of the previous release.</summary>
    [ReadOnly]
    Task<ImmutableArray<Guid>> PatientsAsync();

    /// <summary>Binds a new consent id to its patient in the projection; false when the id belongs to another patient. For silos of the previous release.</summary>
    Task<bool> RegisterAsync(string consentId, Guid patient);

    /// <summary>
    /// Copies every id → patient pair not yet copied into the projection (marked pending, so the repair pass fills in their
    /// search values from the patient grains). Idempotent; a no-op once done. Returns how many ids were new to the projection.
    /// </summary>
    Task<int> CopyToProjectionAsync();
}
