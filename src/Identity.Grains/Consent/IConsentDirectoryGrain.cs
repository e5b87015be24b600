using System.Collections.Immutable;
using Orleans.Concurrency;

namespace Identity.Grains.Consent;

/// <summary>
/// Which patient each consent id belongs to (so <c>GET /fhir/Consent/{id}</c> finds its patient grain) and which patients
/// have consents (compliance search without a patient). One grain (key 0); written once per new consent, never on updates.
/// </summary>
public interface IConsentDirectoryGrain : IGrainWithIntegerKey
{
    [ReadOnly]
    Task<Guid?> OwnerAsync(string consentId);

    [ReadOnly]
    Task<ImmutableArray<Guid>> PatientsAsync();

    /// <summary>Binds a new consent id to its patient; false when the id belongs to another patient.</summary>
    Task<bool> RegisterAsync(string consentId, Guid patient);
}
