using System.Buffers.Text;
using Identity.Api.Passkeys.WebAuthn;
using Identity.Grains.Passkeys;
using Identity.Grains.Patients;
using Microsoft.AspNetCore.Identity;

namespace Identity.Api.Passkeys;

/// <summary>
/// ASP.NET Core Identity's user and passkey store over the patient grains. Patients have no password,
/// e-mail or name here: the only way in is a passkey.
/// </summary>
public sealed class PatientUserStore(IGrainFactory grains, TimeProvider time) : IUserPasskeyStore<PatientUser>
{
    public async Task<IdentityResult> CreateAsync(PatientUser user, CancellationToken cancellationToken)
    {
        await Patient(user).CreateUnverifiedAsync();
        return IdentityResult.Success;
    }

    public Task<IdentityResult> UpdateAsync(PatientUser user, CancellationToken cancellationToken) =>
        Task.FromResult(IdentityResult.Success);

    public Task<IdentityResult> DeleteAsync(PatientUser user, CancellationToken cancellationToken) =>
        Task.FromResult(IdentityResult.Failed(new IdentityError
        {
            Code = "patients_are_not_deleted",
            Description = "Patient records are kept; passkeys are revoked instead.",
        }));

    public async Task<PatientUser?> FindByIdAsync(string userId, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(userId, out var id))
        {
            return null;
        }
        var snapshot = await grains.GetGrain<IPatientGrain>(id).GetAsync();
        return snapshot is null ? null : new PatientUser(id) { Snapshot = snapshot };
    }

    // The user name is the person identifier, so a look-up by name is a look-up by id.
    public Task<PatientUser?> FindByNameAsync(string normalizedUserName, CancellationToken cancellationToken) =>
        FindByIdAsync(normalizedUserName, cancellationToken);

    public Task<string> GetUserIdAsync(PatientUser user, CancellationToken cancellationToken) => Task.FromResult(user.Id);

    public Task<string?> GetUserNameAsync(PatientUser user, CancellationToken cancellationToken) => Task.FromResult<string?>(user.Id);

    public Task SetUserNameAsync(PatientUser user, string? userName, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<string?> GetNormalizedUserNameAsync(PatientUser user, CancellationToken cancellationToken) =>
        Task.FromResult<string?>(user.Id.ToUpperInvariant());

    public Task SetNormalizedUserNameAsync(PatientUser user, string? normalizedName, CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task AddOrUpdatePasskeyAsync(PatientUser user, UserPasskeyInfo passkey, CancellationToken cancellationToken)
    {
        var change = await Patient(user).AddOrUpdatePasskeyAsync(ToRecord(passkey, time.GetUtcNow()));
        if (change != PasskeyChange.Done)
        {
            throw new PasskeyChangeRefusedException(change);
        }
    }

    // Revoked passkeys are listed too, so creation options exclude them and an authenticator is not registered twice.
    public async Task<IList<UserPasskeyInfo>> GetPasskeysAsync(PatientUser user, CancellationToken cancellationToken) =>
        [.. (await SnapshotAsync(user))?.Passkeys.Select(ToInfo) ?? []];

    public async Task<PatientUser?> FindByPasskeyIdAsync(byte[] credentialId, CancellationToken cancellationToken)
    {
        var owner = await grains.GetGrain<ICredentialIndexGrain>(CredentialIndexGrain.KeyFor(credentialId)).GetOwnerAsync();
        return owner is { } id ? await FindByIdAsync(id.ToString("D"), cancellationToken) : null;
    }

    public async Task<UserPasskeyInfo?> FindPasskeyAsync(PatientUser user, byte[] credentialId, CancellationToken cancellationToken)
    {
        var passkey = (await SnapshotAsync(user))?.ActivePasskeys.FirstOrDefault(p => p.Matches(credentialId));
        return passkey is null ? null : ToInfo(passkey);
    }

    public async Task RemovePasskeyAsync(PatientUser user, byte[] credentialId, CancellationToken cancellationToken)
    {
        var change = await Patient(user).RevokePasskeyAsync(credentialId);
        if (change != PasskeyChange.Done)
        {
            throw new PasskeyChangeRefusedException(change);
        }
    }

    public void Dispose()
    {
    }

    /// <summary>The record the grain keeps for a passkey Identity verified; algorithm and AAGUID come from the attestation.</summary>
    public static PasskeyRecord ToRecord(UserPasskeyInfo passkey, DateTimeOffset now)
    {
        var key = CoseKey.Decode(passkey.PublicKey);
        var aaguid = passkey.AttestationObject is { Length: > 0 } attestation
            ? WebAuthn.AuthenticatorData.Parse(AttestationObject.Decode(attestation).AuthenticatorData).Aaguid ?? Guid.Empty
            : Guid.Empty;
        return new PasskeyRecord
        {
            CredentialId = passkey.CredentialId,
            PublicKeyCose = passkey.PublicKey,
            Algorithm = key.Algorithm,
            Name = string.IsNullOrWhiteSpace(passkey.Name) ? DefaultName(passkey) : passkey.Name,
            CreatedAt = passkey.CreatedAt == default ? now : passkey.CreatedAt,
            SignCount = passkey.SignCount,
            Transports = passkey.Transports ?? [],
            IsUserVerified = passkey.IsUserVerified,
            IsBackupEligible = passkey.IsBackupEligible,
            IsBackedUp = passkey.IsBackedUp,
            Aaguid = aaguid,
            AttestationObject = passkey.AttestationObject,
            ClientDataJson = passkey.ClientDataJson,
        };
    }

    public static UserPasskeyInfo ToInfo(PasskeyRecord passkey) => new(
        passkey.CredentialId,
        passkey.PublicKeyCose,
        passkey.CreatedAt,
        passkey.SignCount,
        passkey.Transports,
        passkey.IsUserVerified,
        passkey.IsBackupEligible,
        passkey.IsBackedUp,
        passkey.AttestationObject ?? [],
        passkey.ClientDataJson ?? [])
    {
        Name = passkey.Name,
    };

    public static string IdOf(PasskeyRecord passkey) => Base64Url.EncodeToString(passkey.CredentialId);

    private static string DefaultName(UserPasskeyInfo passkey) =>
        passkey.IsBackupEligible ? "Synced passkey" : "Passkey on this device";

    private IPatientGrain Patient(PatientUser user) => grains.GetGrain<IPatientGrain>(user.PersonIdentifier);

    private async Task<PatientSnapshot?> SnapshotAsync(PatientUser user) => user.Snapshot ?? await Patient(user).GetAsync();
}
