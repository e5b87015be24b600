using Identity.Grains.Consent;
using Identity.Tests.Grains;

namespace Identity.Tests.Consent;

public sealed class PatientConsentGrainTests(GrainClusterFixture fixture) : IClassFixture<GrainClusterFixture>
{
    private static readonly DateTimeOffset March = DateTimeOffset.Parse("2026-03-01T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Versions_accumulate_and_withdrawal_is_a_new_inactive_version()
    {
        var patient = Guid.NewGuid();
        var grain = fixture.Grains.GetGrain<IPatientConsentGrain>(patient);
        var id = Guid.NewGuid().ToString("D");
        var json = ConsentVectors.ForPatient(ConsentVectors.Valid("svc-permit-network-treat.json"), patient);

        var created = await grain.CreateAsync(id, json, $"Patient/{patient:D}");
        var stale = await grain.UpdateAsync(id, json, 7, $"Patient/{patient:D}");
        var updated = await grain.UpdateAsync(id, json, 1, $"Patient/{patient:D}");
        var withdrawn = await grain.WithdrawAsync(id, $"Patient/{patient:D}");

        Assert.Equal((ConsentWriteStatus.Done, 1, "active"), (created.Status, created.Version!.VersionId, created.Version.Status));
        Assert.Equal((ConsentWriteStatus.VersionConflict, 1), (stale.Status, stale.Version!.VersionId));
        Assert.Equal(2, updated.Version!.VersionId);
        Assert.Equal((3, "inactive"), (withdrawn.Version!.VersionId, withdrawn.Version.Status));
        Assert.Equal([3, 2, 1], (await grain.HistoryAsync(id)).Select(v => v.VersionId));
        Assert.Contains("\"versionId\":\"1\"", (await grain.ReadAsync(id, 1))!.Json, StringComparison.Ordinal);
        Assert.Equal(patient, await fixture.Grains.GetGrain<IConsentSearchGrain>(0).PatientOfAsync(id));
    }

    [Fact]
    public async Task Decisions_follow_the_current_versions()
    {
        var patient = Guid.NewGuid();
        var grain = fixture.Grains.GetGrain<IPatientConsentGrain>(patient);
        var id = Guid.NewGuid().ToString("D");
        var request = new ConsentDecisionRequest { Patient = $"Patient/{patient:D}", Actors = ["Organization/network-a"], PurposeOfUse = "TREAT", Time = March };

        Assert.Equal(ConsentOutcome.NoConsent, (await grain.DecideAsync(request)).Outcome);
        await grain.CreateAsync(id, ConsentVectors.ForPatient(ConsentVectors.Valid("svc-permit-network-treat.json"), patient), "test");
        var permitted = await grain.DecideAsync(request);
        await grain.WithdrawAsync(id, "test");

        Assert.Equal(ConsentOutcome.Permit, permitted.Outcome);
        Assert.Equal(id, permitted.DecidedBy[0].ConsentId);
        Assert.Equal(ConsentOutcome.NoConsent, (await grain.DecideAsync(request)).Outcome);
    }

    [Fact]
    public async Task Consent_of_another_patient_is_refused_and_nothing_is_stored()
    {
        var grain = fixture.Grains.GetGrain<IPatientConsentGrain>(Guid.NewGuid());

        var result = await grain.CreateAsync(Guid.NewGuid().ToString("D"), File.ReadAllText(ConsentVectors.Valid("svc-deny-clinic-b.json")), "test");

        Assert.Equal((ConsentWriteStatus.Invalid, 422, "business-rule"), (result.Status, result.Failure!.Status, result.Failure.IssueCode));
        Assert.Empty(await grain.HistoryAsync());
    }
}
