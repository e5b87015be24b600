using Identity.Api.Passkeys;
using Microsoft.AspNetCore.Identity;

namespace Identity.Tests.Passkeys;

/// <summary>
/// Holds the one credential record a WebAuthn vector names (<c>storedCredential</c>). The vectors judge the
/// ceremony verification; the grain-backed store is exercised by the HTTP, grain and browser tests.
/// </summary>
public sealed class VectorPasskeyStore : IUserPasskeyStore<PatientUser>
{
    private readonly Dictionary<string, (PatientUser User, UserPasskeyInfo Passkey)> _byCredential = [];

    public void Add(PatientUser user, UserPasskeyInfo passkey) => _byCredential[Convert.ToHexString(passkey.CredentialId)] = (user, passkey);

    public Task AddOrUpdatePasskeyAsync(PatientUser user, UserPasskeyInfo passkey, CancellationToken cancellationToken)
    {
        Add(user, passkey);
        return Task.CompletedTask;
    }

    public Task<IList<UserPasskeyInfo>> GetPasskeysAsync(PatientUser user, CancellationToken cancellationToken) =>
        Task.FromResult<IList<UserPasskeyInfo>>([.. _byCredential.Values.Where(v => v.User.Id == user.Id).Select(v => v.Passkey)]);

    public Task<PatientUser?> FindByPasskeyIdAsync(byte[] credentialId, CancellationToken cancellationToken) =>
        Task.FromResult(_byCredential.TryGetValue(Convert.ToHexString(credentialId), out var entry) ? entry.User : null);

    public Task<UserPasskeyInfo?> FindPasskeyAsync(PatientUser user, byte[] credentialId, CancellationToken cancellationToken) =>
        Task.FromResult(_byCredential.TryGetValue(Convert.ToHexString(credentialId), out var entry) && entry.User.Id == user.Id ? entry.Passkey : null);

    public Task RemovePasskeyAsync(PatientUser user, byte[] credentialId, CancellationToken cancellationToken)
    {
        _byCredential.Remove(Convert.ToHexString(credentialId));
        return Task.CompletedTask;
    }

    public Task<PatientUser?> FindByIdAsync(string userId, CancellationToken cancellationToken) =>
        Task.FromResult(_byCredential.Values.Select(v => v.User).FirstOrDefault(u => u.Id == userId)
            ?? (Guid.TryParse(userId, out var id) ? new PatientUser(id) : null));

    public Task<PatientUser?> FindByNameAsync(string normalizedUserName, CancellationToken cancellationToken) =>
        FindByIdAsync(normalizedUserName, cancellationToken);

    public Task<string> GetUserIdAsync(PatientUser user, CancellationToken cancellationToken) => Task.FromResult(user.Id);

    public Task<string?> GetUserNameAsync(PatientUser user, CancellationToken cancellationToken) => Task.FromResult<string?>(user.Id);

    public Task<string?> GetNormalizedUserNameAsync(PatientUser user, CancellationToken cancellationToken) => Task.FromResult<string?>(user.Id);

    public Task SetUserNameAsync(PatientUser user, string? userName, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task SetNormalizedUserNameAsync(PatientUser user, string? normalizedName, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<IdentityResult> CreateAsync(PatientUser user, CancellationToken cancellationToken) => Task.FromResult(IdentityResult.Success);

    public Task<IdentityResult> UpdateAsync(PatientUser user, CancellationToken cancellationToken) => Task.FromResult(IdentityResult.Success);

    public Task<IdentityResult> DeleteAsync(PatientUser user, CancellationToken cancellationToken) => Task.FromResult(IdentityResult.Success);

    public void Dispose()
    {
    }
}
