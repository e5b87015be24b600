using System.Collections.Immutable;
using Identity.Grains.Passkeys;

namespace Identity.Grains.Patients;

/// <summary>A read-only copy of a patient's state handed to callers outside the grain.</summary>
[GenerateSerializer, Immutable]
public sealed record PatientSnapshot(
    [property: Id(0)] Guid PersonIdentifier,
    [property: Id(1)] DateTimeOffset CreatedAt,
    [property: Id(2)] IdentityAssurance Assurance,
    [property: Id(3)] ImmutableList<PasskeyRecord> Passkeys,
    [property: Id(4)] VerifiedIdentity? VerifiedIdentity = null)
{
    public IEnumerable<PasskeyRecord> ActivePasskeys => Passkeys.Where(p => p.IsActive);

    public PasskeyRecord? FindPasskey(byte[] credentialId) => Passkeys.FirstOrDefault(p => p.Matches(credentialId));
}
