using System.Collections.Immutable;
using System.Globalization;
using Meta = Hl7.Fhir.Model.Meta;

namespace Identity.Grains.Consent;

public sealed class PatientConsentGrain(
    [PersistentState("patient-consents", GrainStorage.Name)] IPersistentState<PatientConsentState> state,
    IGrainFactory grains,
    TimeProvider time) : Grain, IPatientConsentGrain
{
    private ImmutableArray<ConsentRule> _rules = [];

    private string PatientReference => $"Patient/{this.GetPrimaryKey():D}";

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _rules = BuildRules(state.State);
        return Task.CompletedTask;
    }

    public Task<ImmutableArray<ConsentVersion>> CurrentAsync() =>
        Task.FromResult<ImmutableArray<ConsentVersion>>([.. state.State.Consents.Values.Select(v => v[^1]).OrderBy(v => v.RecordedAt)]);

    public Task<ConsentVersion?> ReadAsync(string consentId, int? versionId = null)
    {
        if (!state.State.Consents.TryGetValue(consentId, out var versions))
        {
            return Task.FromResult<ConsentVersion?>(null);
        }
        return Task.FromResult(versionId is { } wanted ? versions.FirstOrDefault(v => v.VersionId == wanted) : versions[^1]);
    }

    public Task<ImmutableArray<ConsentVersion>> HistoryAsync(string? consentId = null)
    {
        IEnumerable<ConsentVersion> versions = consentId is null
            ? state.State.Consents.Values.SelectMany(v => v)
            : state.State.Consents.TryGetValue(consentId, out var one) ? one : [];
        return Task.FromResult<ImmutableArray<ConsentVersion>>([.. versions.OrderByDescending(v => v.RecordedAt).ThenByDescending(v => v.VersionId)]);
    }

    public Task<ConsentVersion?> FindByAuthorizationAsync(string authorizationId) =>
        Task.FromResult(state.State.Consents.Values.Select(v => v[^1]).FirstOrDefault(v => v.AuthorizationId == authorizationId));

    public Task<ConsentDecision> DecideAsync(ConsentDecisionRequest request) =>
        Task.FromResult(ConsentDecisionEngine.Decide(_rules, request));

    public async Task<ConsentWriteResult> CreateAsync(string consentId, string json, string changedBy)
    {
        if (state.State.Consents.ContainsKey(consentId))
        {
            return new ConsentWriteResult(ConsentWriteStatus.AlreadyExists, state.State.Consents[consentId][^1]);
        }
        var (consent, failure) = Own(json);
        if (consent is null)
        {
            return new ConsentWriteResult(ConsentWriteStatus.Invalid, Failure: failure);
        }
        if (!await grains.GetGrain<IConsentDirectoryGrain>(0).RegisterAsync(consentId, this.GetPrimaryKey()))
        {
            return new ConsentWriteResult(ConsentWriteStatus.AlreadyExists);
        }
        var version = await AppendAsync(consentId, consent, 1, changedBy, []);
        return new ConsentWriteResult(ConsentWriteStatus.Done, version);
    }

    public async Task<ConsentWriteResult> UpdateAsync(string consentId, string json, int expectedVersionId, string changedBy)
    {
        if (!state.State.Consents.TryGetValue(consentId, out var versions))
        {
            return new ConsentWriteResult(ConsentWriteStatus.NotFound);
        }
        var current = versions[^1];
        if (current.VersionId != expectedVersionId)
        {
            return new ConsentWriteResult(ConsentWriteStatus.VersionConflict, current);
        }
        var (consent, failure) = Own(json);
        if (consent is null)
        {
            return new ConsentWriteResult(ConsentWriteStatus.Invalid, Failure: failure);
        }
        var version = await AppendAsync(consentId, consent, current.VersionId + 1, changedBy, versions);
        return new ConsentWriteResult(ConsentWriteStatus.Done, version, Previous: current);
    }

    public async Task<ConsentWriteResult> WithdrawAsync(string consentId, string changedBy)
    {
        if (!state.State.Consents.TryGetValue(consentId, out var versions))
        {
            return new ConsentWriteResult(ConsentWriteStatus.NotFound);
        }
        var current = versions[^1];
        if (current.Status == "inactive")
        {
            return new ConsentWriteResult(ConsentWriteStatus.Done, current, Previous: current);
        }
        var (consent, _) = ConsentResourceReader.Read(current.Json);
        consent!.Status = Hl7.Fhir.Model.Consent.ConsentState.Inactive;
        var version = await AppendAsync(consentId, consent, current.VersionId + 1, changedBy, versions);
        return new ConsentWriteResult(ConsentWriteStatus.Done, version, Previous: current);
    }

    private (Hl7.Fhir.Model.Consent? Consent, ConsentReadFailure? Failure) Own(string json)
    {
        var (consent, failure) = ConsentResourceReader.Read(json);
        if (consent is null)
        {
            return (null, failure);
        }
        if (consent.Patient?.Reference != PatientReference)
        {
            return (null, new ConsentReadFailure(422, "business-rule", "Consent.patient must reference the patient whose consents these are.", "Consent.patient"));
        }
        return (consent, null);
    }

    private async Task<ConsentVersion> AppendAsync(string consentId, Hl7.Fhir.Model.Consent consent, int versionId, string changedBy, ImmutableArray<ConsentVersion> versions)
    {
        var now = time.GetUtcNow();
        consent.Id = consentId;
        consent.Meta ??= new Meta();
        consent.Meta.VersionId = versionId.ToString(CultureInfo.InvariantCulture);
        consent.Meta.LastUpdated = now;
        var version = new ConsentVersion
        {
            ConsentId = consentId,
            VersionId = versionId,
            RecordedAt = now,
            ChangedBy = changedBy,
            Status = consent.StatusElement?.JsonValue as string ?? "",
            Json = ConsentResourceReader.Serialize(consent),
            AuthorizationId = consent.Identifier.FirstOrDefault(i => i.System == ConsentCodes.AuthorizationSystem)?.Value,
        };
        var next = state.State with { Consents = state.State.Consents.SetItem(consentId, versions.Add(version)) };
        state.State = next;
        await state.WriteStateAsync();
        _rules = BuildRules(next);
        return version;
    }

    private static ImmutableArray<ConsentRule> BuildRules(PatientConsentState consents) =>
        [.. consents.Consents.Values.Select(v => v[^1]).Where(v => v.Status == "active").Select(v =>
            ConsentRule.From(ConsentResourceReader.Read(v.Json).Consent!, v.VersionId))];
}
