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

    /// <summary>Only in state written before personal data was sealed; new verifications go to <see cref="SealedIdentity"/>.</summary>
    [Id(3)] public VerifiedIdentity? VerifiedIdentity { get; init; }

    /// <summary>The verified identity with its personal fields encrypted (<see cref="IPersonalDataProtector"/>).</summary>
    [Id(4)] public SealedVerifiedIdentity? SealedIdentity { get; init; }

    public bool Exists => CreatedAt is not null;

    public IEnumerable<PasskeyRecord> ActivePasskeys => Passkeys.Where(p => p.IsActive);

    public PasskeyRecord? FindPasskey(byte[] credentialId) => Passkeys.FirstOrDefault(p => p.Matches(credentialId));
}
