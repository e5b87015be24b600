using System.Collections.Immutable;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Meta = Hl7.Fhir.Model.Meta;

namespace Identity.Grains.Consent;

/// <summary>
/// Writes go: claim in the query projection (binds a new id to this patient, marks the row pending), store the state,
/// acknowledge, project the new version (best effort: a failure is logged and left pending for the repair pass, which asks
/// this grain to <see cref="ReprojectAsync"/>). So an id is never bound to two patients, the projection never shows a
/// version the grain did not store, and a lost projection update is noticed and made good.
/// </summary>
public sealed partial class PatientConsentGrain(
    [PersistentState("patient-consents", GrainStorage.Name)] IPersistentState<PatientConsentState> state,
    IConsentProjection projection,
    TimeProvider time,
    ILogger<PatientConsentGrain> logger) : Grain, IPatientConsentGrain
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
        // Ids are unique across patients: the projection's primary key decides, before anything is stored.
        if (!await projection.ClaimAsync(consentId, this.GetPrimaryKey(), 1, time.GetUtcNow()))
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
        await MarkPendingAsync(consentId, current.VersionId + 1);
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
        await MarkPendingAsync(consentId, current.VersionId + 1);
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
        var previous = state.State;
        var next = previous with { Consents = previous.Consents.SetItem(consentId, versions.Add(version)) };
        state.State = next;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // Not acknowledged, so not kept: the next activation reads whatever storage really holds.
            state.State = previous;
            DeactivateOnIdle();
            throw;
        }
        _rules = BuildRules(next);
        await ProjectAsync(ConsentProjectionRow.From(this.GetPrimaryKey(), version, consent), [version]);
        return version;
    }

    public async Task ReprojectAsync()
    {
        var patient = this.GetPrimaryKey();
        foreach (var versions in state.State.Consents.Values)
        {
            await projection.ProjectAsync(ConsentProjectionRow.From(patient, versions[^1]), versions);
        }
        await projection.SettleAsync(patient);
    }

    /// <summary>Before an update is stored: a crash between the state write and the projection leaves the row pending.</summary>
    private async Task MarkPendingAsync(string consentId, int versionId)
    {
        if (!await projection.ClaimAsync(consentId, this.GetPrimaryKey(), versionId, time.GetUtcNow()))
        {
            // Only conflicting legacy data could do this; this grain holds the consent, so its write goes ahead.
            LogBoundElsewhere(consentId);
        }
    }

    /// <summary>After the state is stored the change stands; a projection failure stays pending until the repair pass.</summary>
    private async Task ProjectAsync(ConsentProjectionRow row, IReadOnlyCollection<ConsentVersion> versions)
    {
        try
        {
            await projection.ProjectAsync(row, versions);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogProjectionFailed(row.ConsentId, row.VersionId, e.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Consent {ConsentId} version {VersionId} is stored but not yet in the query projection ({Exception}); the repair pass will add it")]
    private partial void LogProjectionFailed(string consentId, int versionId, string exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Consent {ConsentId} is bound to another patient in the query projection")]
    private partial void LogBoundElsewhere(string consentId);

    private static ImmutableArray<ConsentRule> BuildRules(PatientConsentState consents) =>
        [.. consents.Consents.Values.Select(v => v[^1]).Where(v => v.Status == "active").Select(v =>
            ConsentRule.From(ConsentResourceReader.Read(v.Json).Consent!, v.VersionId))];
}
