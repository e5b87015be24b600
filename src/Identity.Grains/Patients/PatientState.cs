using System.Collections.Immutable;
using Identity.Grains.Passkeys;

namespace Identity.Grains.Patients;

/// <summary>Everything the service keeps about one patient; written as one unit by <see cref="PatientGrain"/>.</summary>
[GenerateSerializer, Immutable]
public sealed record PatientState
{
    [Id(0)] public DateTimeOffset? CreatedAt { get; init; }

    [Id(1)] public IdentityAssurance Assurance { get; init; } = IdentityAssurance.Unverified;

    [Id(2)] public ImmutableList<PasskeyRecord> Passkeys { get; init; } = [];

    [Id(3)] public VerifiedIdentity? VerifiedIdentity { get; init; }

    public bool Exists => CreatedAt is not null;

    public IEnumerable<PasskeyRecord> ActivePasskeys => Passkeys.Where(p => p.IsActive);

    public PasskeyRecord? FindPasskey(byte[] credentialId) => Passkeys.FirstOrDefault(p => p.Matches(credentialId));
}
