namespace Identity.Grains.Passkeys;

/// <summary>
/// One WebAuthn credential registered by a patient, as WebAuthn Level 3 §6.5 "credential record" describes it.
/// Passkeys are never deleted: removing one sets <see cref="RevokedAt"/>.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record PasskeyRecord
{
    [Id(0)] public required byte[] CredentialId { get; init; }

    /// <summary>The credential public key as the authenticator sent it (COSE_Key bytes).</summary>
    [Id(1)] public required byte[] PublicKeyCose { get; init; }

    /// <summary>COSE algorithm identifier: -7 ES256, -8 EdDSA, -257 RS256.</summary>
    [Id(2)] public required int Algorithm { get; init; }

    [Id(3)] public required string Name { get; init; }

    [Id(4)] public required DateTimeOffset CreatedAt { get; init; }

    [Id(5)] public required uint SignCount { get; init; }

    [Id(6)] public string[] Transports { get; init; } = [];

    [Id(7)] public required bool IsUserVerified { get; init; }

    /// <summary>BE flag: the credential may be synced to other devices (fixed at registration).</summary>
    [Id(8)] public required bool IsBackupEligible { get; init; }

    /// <summary>BS flag: the credential is currently backed up (may change per assertion).</summary>
    [Id(9)] public required bool IsBackedUp { get; init; }

    [Id(10)] public required Guid Aaguid { get; init; }

    [Id(11)] public DateTimeOffset? LastUsedAt { get; init; }

    [Id(12)] public DateTimeOffset? RevokedAt { get; init; }

    /// <summary>Kept so the attestation can be re-examined later (e.g. against a new metadata statement).</summary>
    [Id(13)] public byte[]? AttestationObject { get; init; }

    [Id(14)] public byte[]? ClientDataJson { get; init; }

    public bool IsActive => RevokedAt is null;

    public bool Matches(ReadOnlySpan<byte> credentialId) => CredentialId.AsSpan().SequenceEqual(credentialId);
}
