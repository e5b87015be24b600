using Identity.Grains.Passkeys;
using Identity.Grains.Patients;
using Identity.Tests.Silo;

namespace Identity.Tests.Grains;

public sealed class PatientGrainTests(GrainClusterFixture fixture) : IClassFixture<GrainClusterFixture>
{
    private IPatientGrain NewPatient() => fixture.Grains.GetGrain<IPatientGrain>(Guid.NewGuid());

    [Fact]
    public async Task A_patient_does_not_exist_until_created_and_starts_unverified()
    {
        var patient = NewPatient();
        Assert.Null(await patient.GetAsync());

        var created = await patient.CreateUnverifiedAsync();
        var again = await patient.CreateUnverifiedAsync();

        Assert.Equal(patient.GetPrimaryKey(), created.PersonIdentifier);
        Assert.Equal(IdentityAssurance.Unverified, created.Assurance);
        Assert.Equal(created.CreatedAt, again.CreatedAt);
    }

    [Fact]
    public async Task Passkeys_cannot_be_added_to_a_patient_that_does_not_exist()
    {
        Assert.Equal(PasskeyChange.PatientNotFound, await NewPatient().AddOrUpdatePasskeyAsync(TestPasskeys.New()));
    }

    [Fact]
    public async Task A_credential_id_belongs_to_one_patient_only()
    {
        var passkey = TestPasskeys.New();
        var first = NewPatient();
        var second = NewPatient();
        await first.CreateUnverifiedAsync();
        await second.CreateUnverifiedAsync();

        Assert.Equal(PasskeyChange.Done, await first.AddOrUpdatePasskeyAsync(passkey));
        Assert.Equal(PasskeyChange.CredentialTakenByAnotherPatient, await second.AddOrUpdatePasskeyAsync(passkey));

        var owner = await fixture.Grains.GetGrain<ICredentialIndexGrain>(CredentialIndexGrain.KeyFor(passkey.CredentialId)).GetOwnerAsync();
        Assert.Equal(first.GetPrimaryKey(), owner);
        Assert.Empty((await second.GetAsync())!.Passkeys);
    }

    [Fact]
    public async Task A_use_updates_the_sign_count_and_a_regression_is_refused()
    {
        var patient = NewPatient();
        await patient.CreateUnverifiedAsync();
        var passkey = TestPasskeys.New() with { SignCount = 1 };
        await patient.AddOrUpdatePasskeyAsync(passkey);

        Assert.Equal(PasskeyChange.Done, await patient.AddOrUpdatePasskeyAsync(passkey with { SignCount = 5 }));
        Assert.Equal(PasskeyChange.SignCountRegressed, await patient.AddOrUpdatePasskeyAsync(passkey with { SignCount = 5 }));
        Assert.Equal(PasskeyChange.SignCountRegressed, await patient.AddOrUpdatePasskeyAsync(passkey with { SignCount = 3 }));

        var stored = Assert.Single((await patient.GetAsync())!.Passkeys);
        Assert.Equal(5u, stored.SignCount);
        Assert.NotNull(stored.LastUsedAt);
    }

    [Fact]
    public async Task Authenticators_that_do_not_count_are_accepted_at_zero()
    {
        var patient = NewPatient();
        await patient.CreateUnverifiedAsync();
        var passkey = TestPasskeys.New() with { SignCount = 0 };
        await patient.AddOrUpdatePasskeyAsync(passkey);

        Assert.Equal(PasskeyChange.Done, await patient.AddOrUpdatePasskeyAsync(passkey));
    }

    [Fact]
    public async Task Backup_eligibility_cannot_change_after_registration()
    {
        var patient = NewPatient();
        await patient.CreateUnverifiedAsync();
        var passkey = TestPasskeys.New() with { IsBackupEligible = false, IsBackedUp = false, SignCount = 1 };
        await patient.AddOrUpdatePasskeyAsync(passkey);

        Assert.Equal(PasskeyChange.BackupEligibilityChanged,
            await patient.AddOrUpdatePasskeyAsync(passkey with { IsBackupEligible = true, SignCount = 2 }));
    }

    [Fact]
    public async Task The_last_passkey_cannot_be_revoked_and_revoked_ones_are_kept()
    {
        var patient = NewPatient();
        await patient.CreateUnverifiedAsync();
        var phone = TestPasskeys.New();
        var laptop = TestPasskeys.New();
        await patient.AddOrUpdatePasskeyAsync(phone);

        Assert.Equal(PasskeyChange.LastPasskey, await patient.RevokePasskeyAsync(phone.CredentialId));
        await patient.AddOrUpdatePasskeyAsync(laptop);
        Assert.Equal(PasskeyChange.Done, await patient.RevokePasskeyAsync(phone.CredentialId));
        Assert.Equal(PasskeyChange.PasskeyNotFound, await patient.RevokePasskeyAsync(phone.CredentialId));
        Assert.Equal(PasskeyChange.LastPasskey, await patient.RevokePasskeyAsync(laptop.CredentialId));
        Assert.Equal(PasskeyChange.PasskeyRevoked, await patient.AddOrUpdatePasskeyAsync(phone with { SignCount = 9 }));

        var passkeys = (await patient.GetAsync())!.Passkeys;
        Assert.Equal(2, passkeys.Count);
        Assert.NotNull(passkeys.Single(p => p.Matches(phone.CredentialId)).RevokedAt);
    }

    [Fact]
    public async Task Renaming_changes_only_the_name()
    {
        var patient = NewPatient();
        await patient.CreateUnverifiedAsync();
        var passkey = TestPasskeys.New();
        await patient.AddOrUpdatePasskeyAsync(passkey);

        Assert.Equal(PasskeyChange.Done, await patient.RenamePasskeyAsync(passkey.CredentialId, "Kitchen tablet"));
        Assert.Equal(PasskeyChange.PasskeyNotFound, await patient.RenamePasskeyAsync([1, 2, 3], "x"));

        var stored = Assert.Single((await patient.GetAsync())!.Passkeys);
        Assert.Equal("Kitchen tablet", stored.Name);
        Assert.Equal(passkey.SignCount, stored.SignCount);
    }
}
