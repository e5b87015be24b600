using Hl7.Fhir.Model;
using Identity.Api.Audit;
using Identity.Grains.Audit;
using Identity.Grains.Consent;
using Microsoft.Extensions.Options;
using static Hl7.Fhir.Model.AuditEvent;

namespace Identity.Api.Consent;

/// <summary>
/// Changes to a patient's consents, whoever asks (FHIR API, patient page, consent screen): audited before the grain
/// changes (nothing changes when the audit store cannot take the entry), and a Consent that stops being active ends the
/// OAuth grant it records. A change that was audited and then not applied gets a second, failed entry.
/// </summary>
public sealed class PatientConsents(IGrainFactory grains, IAuditTrail audit, GrantRevocation revocation, TimeProvider time, IOptions<AuditSettings> settings)
{
    public IPatientConsentGrain Of(Guid patient) => grains.GetGrain<IPatientConsentGrain>(patient);

    public async Task<ConsentWriteResult> CreateAsync(Guid patient, string json, string author, ResourceReference requestor, string? clientAddress, CancellationToken cancellationToken = default)
    {
        var id = Guid.NewGuid().ToString("D");
        return await ChangeAsync(patient, AuditEventAction.C, id, null, requestor, clientAddress,
            () => Of(patient).CreateAsync(id, json, author), cancellationToken);
    }

    public Task<ConsentWriteResult> UpdateAsync(Guid patient, string id, string json, int expectedVersion, string author, ResourceReference requestor, string? clientAddress, CancellationToken cancellationToken = default) =>
        ChangeAsync(patient, AuditEventAction.U, id, expectedVersion + 1, requestor, clientAddress,
            () => Of(patient).UpdateAsync(id, json, expectedVersion, author), cancellationToken);

    public Task<ConsentWriteResult> WithdrawAsync(Guid patient, string id, string author, ResourceReference requestor, string? clientAddress, CancellationToken cancellationToken = default) =>
        ChangeAsync(patient, AuditEventAction.U, id, null, requestor, clientAddress,
            () => Of(patient).WithdrawAsync(id, author), cancellationToken);

    private async Task<ConsentWriteResult> ChangeAsync(Guid patient, AuditEventAction action, string id, int? version, ResourceReference requestor,
        string? clientAddress, Func<Task<ConsentWriteResult>> change, CancellationToken cancellationToken)
    {
        var audited = ConsentAuditEvents.Changed(Context(clientAddress), patient, requestor, action, id, version);
        await audit.RecordAsync(audited, cancellationToken);
        var result = await change();
        if (result.Status != ConsentWriteStatus.Done)
        {
            await audit.RecordAsync(BalpAuditEvents.NotApplied(audited, time.GetUtcNow(), $"consent_{result.Status.ToString().ToLowerInvariant()}"), cancellationToken);
            return result;
        }
        if (result.Previous is { Status: "active", AuthorizationId: { } authorization } && result.Version!.Status != "active")
        {
            await revocation.RevokeAsync(authorization, cancellationToken);
        }
        return result;
    }

    public AuditContext Context(string? clientAddress) => new(settings.Value.Site, clientAddress, time.GetUtcNow());
}
