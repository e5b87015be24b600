using Identity.Api.Passkeys;
using Microsoft.AspNetCore.Identity;

namespace Identity.Bench;

/// <summary>
/// Bench only: one patient and their passkeys in memory. Production goes through the patient grains
/// (<see cref="PatientUserStore"/>); this store keeps I/O out so the benchmark measures verification.
/// </summary>
public sealed class InMemoryPatientPasskeyStore : IUserPasskeyStore<PatientUser>
{
    public PatientUser Patient { get; } = new(Guid.NewGuid());

    public List<UserPasskeyInfo> Passkeys { get; } = [];

    public Task<PatientUser?> FindByIdAsync(string userId, CancellationToken cancellationToken) =>
        Task.FromResult(userId == Patient.Id ? Patient : null);

    public Task<PatientUser?> FindByNameAsync(string normalizedUserName, CancellationToken cancellationToken) =>
        FindByIdAsync(normalizedUserName, cancellationToken);

    public Task<PatientUser?> FindByPasskeyIdAsync(byte[] credentialId, CancellationToken cancellationToken) =>
        Task.FromResult(Find(credentialId) is null ? null : Patient);

    // A fresh copy with sign count 0 each time: Identity updates the copy it verified, and every counter is then accepted.
    public Task<UserPasskeyInfo?> FindPasskeyAsync(PatientUser user, byte[] credentialId, CancellationToken cancellationToken) =>
        Task.FromResult(user == Patient && Find(credentialId) is { } p
            ? new UserPasskeyInfo(p.CredentialId, p.PublicKey, p.CreatedAt, 0, p.Transports, p.IsUserVerified,
                p.IsBackupEligible, p.IsBackedUp, p.AttestationObject, p.ClientDataJson)
            : null);

    public Task<IList<UserPasskeyInfo>> GetPasskeysAsync(PatientUser user, CancellationToken cancellationToken) =>
        Task.FromResult<IList<UserPasskeyInfo>>(user == Patient ? [.. Passkeys] : []);

    public Task AddOrUpdatePasskeyAsync(PatientUser user, UserPasskeyInfo passkey, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    public Task RemovePasskeyAsync(PatientUser user, byte[] credentialId, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    public Task<string> GetUserIdAsync(PatientUser user, CancellationToken cancellationToken) => Task.FromResult(user.Id);

    public Task<string?> GetUserNameAsync(PatientUser user, CancellationToken cancellationToken) => Task.FromResult<string?>(user.Id);

    public Task SetUserNameAsync(PatientUser user, string? userName, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<string?> GetNormalizedUserNameAsync(PatientUser user, CancellationToken cancellationToken) =>
        Task.FromResult<string?>(user.Id.ToUpperInvariant());

    public Task SetNormalizedUserNameAsync(PatientUser user, string? normalizedName, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    public Task<IdentityResult> CreateAsync(PatientUser user, CancellationToken cancellationToken) => Task.FromResult(IdentityResult.Success);

    public Task<IdentityResult> UpdateAsync(PatientUser user, CancellationToken cancellationToken) => Task.FromResult(IdentityResult.Success);

    public Task<IdentityResult> DeleteAsync(PatientUser user, CancellationToken cancellationToken) => Task.FromResult(IdentityResult.Success);

    public void Dispose()
    {
    }

    private UserPasskeyInfo? Find(byte[] credentialId) =>
        Passkeys.Find(p => p.CredentialId.AsSpan().SequenceEqual(credentialId));
}
