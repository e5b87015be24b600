using Identity.Grains.Passkeys;
using Microsoft.Extensions.DependencyInjection;

namespace Identity.Grains.Patients;

public sealed class PatientGrain(
    [PersistentState("patient", GrainStorage.Name)] IPersistentState<PatientState> state,
    IGrainFactory grains,
    TimeProvider time) : Grain, IPatientGrain
{
    private VerifiedIdentity? _verifiedIdentity;

    private Guid PersonIdentifier => this.GetPrimaryKey();

    // Resolved when needed, so silos and tests that never hold verified identities need no key.
    private IPersonalDataProtector Protector => ServiceProvider.GetService<IPersonalDataProtector>()
        ?? throw new InvalidOperationException("No IPersonalDataProtector is registered: verified identities are never stored unencrypted.");

    public Task<PatientSnapshot?> GetAsync() => Task.FromResult(Snapshot());

    public async Task<PatientSnapshot> CreateUnverifiedAsync()
    {
        if (!state.State.Exists)
        {
            await WriteAsync(state.State with { CreatedAt = time.GetUtcNow(), Assurance = IdentityAssurance.Unverified });
        }
        return Snapshot()!;
    }

    public async Task<bool> RecordVerifiedIdentityAsync(VerifiedIdentity identity)
    {
        if (!state.State.Exists)
        {
            return false;
        }
        var sealedIdentity = SealedVerifiedIdentity.Seal(identity, PersonIdentifier, Protector);
        await WriteAsync(state.State with { Assurance = IdentityAssurance.Ial2, VerifiedIdentity = null, SealedIdentity = sealedIdentity });
        _verifiedIdentity = identity;
        return true;
    }

    public async Task<PasskeyChange> AddOrUpdatePasskeyAsync(PasskeyRecord passkey)
    {
        if (!state.State.Exists)
        {
            return PasskeyChange.PatientNotFound;
        }
        var existing = state.State.FindPasskey(passkey.CredentialId);
        if (existing is null)
        {
            return await AddAsync(passkey);
        }
        if (!existing.IsActive)
        {
            return PasskeyChange.PasskeyRevoked;
        }
        if (passkey.IsBackupEligible != existing.IsBackupEligible)
        {
            return PasskeyChange.BackupEligibilityChanged;
        }
        if (SignCountRegressed(existing.SignCount, passkey.SignCount))
        {
            return PasskeyChange.SignCountRegressed;
        }
        var used = existing with
        {
            SignCount = passkey.SignCount,
            IsBackedUp = passkey.IsBackedUp,
            IsUserVerified = passkey.IsUserVerified,
            LastUsedAt = time.GetUtcNow(),
        };
        await ReplaceAsync(existing, used);
        return PasskeyChange.Done;
    }

    public async Task<PasskeyChange> RenamePasskeyAsync(byte[] credentialId, string name)
    {
        var existing = state.State.FindPasskey(credentialId);
        if (existing is not { IsActive: true })
        {
            return PasskeyChange.PasskeyNotFound;
        }
        await ReplaceAsync(existing, existing with { Name = name });
        return PasskeyChange.Done;
    }

    public async Task<PasskeyChange> RevokePasskeyAsync(byte[] credentialId)
    {
        var existing = state.State.FindPasskey(credentialId);
        if (existing is not { IsActive: true })
        {
            return PasskeyChange.PasskeyNotFound;
        }
        if (state.State.ActivePasskeys.Count() == 1)
        {
            return PasskeyChange.LastPasskey;
        }
        await ReplaceAsync(existing, existing with { RevokedAt = time.GetUtcNow() });
        return PasskeyChange.Done;
    }

    private async Task<PasskeyChange> AddAsync(PasskeyRecord passkey)
    {
        var index = grains.GetGrain<ICredentialIndexGrain>(CredentialIndexGrain.KeyFor(passkey.CredentialId));
        if (!await index.ClaimAsync(PersonIdentifier))
        {
            return PasskeyChange.CredentialTakenByAnotherPatient;
        }
        await WriteAsync(state.State with { Passkeys = state.State.Passkeys.Add(passkey) });
        return PasskeyChange.Done;
    }

    // WebAuthn §6.1.1: a counter that does not increase signals a possibly cloned authenticator;
    // authenticators that do not count (always 0, typical for synced passkeys) are exempt.
    private static bool SignCountRegressed(uint stored, uint received) =>
        (stored != 0 || received != 0) && received <= stored;

    private Task ReplaceAsync(PasskeyRecord existing, PasskeyRecord replacement) =>
        WriteAsync(state.State with { Passkeys = state.State.Passkeys.Replace(existing, replacement) });

    private async Task WriteAsync(PatientState next)
    {
        var previous = state.State;
        state.State = next;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // Not acknowledged, so not applied: memory must not run ahead of storage.
            state.State = previous;
            throw;
        }
    }

    private PatientSnapshot? Snapshot() => state.State is { Exists: true } s
        ? new PatientSnapshot(PersonIdentifier, s.CreatedAt!.Value, s.Assurance, s.Passkeys, VerifiedIdentity(s))
        : null;

    private VerifiedIdentity? VerifiedIdentity(PatientState s) =>
        s.SealedIdentity is { } sealedIdentity ? _verifiedIdentity ??= sealedIdentity.Unseal(PersonIdentifier, Protector) : s.VerifiedIdentity;
}
