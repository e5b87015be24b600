using System.Collections.Immutable;
using System.Security.Claims;
using System.Text.Json;
using Hl7.Fhir.Model;
using Identity.Api.Tokens;
using Identity.Grains.Consent;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Identity.Api.Consent;

/// <summary>
/// Grants as Consents. A scope is a data class (<c>urn:identityconsent:oauth-scope|{scope}</c>, plus the resource type of a
/// SMART scope); it is denied when the engine says CONSENT_DENY for the app together with the networks it reaches, purpose
/// PATRQT, action access, now. <c>openid</c> and <c>offline_access</c> are protocol, not data, and are never removed.
/// A wildcard SMART scope (<c>patient/*.rs</c>) is also asked about every resource type the patient's consents name, so a
/// deny of one type removes the wildcard. The grant Consent's period is the grant lifetime (<c>Consent:GrantDays</c>).
/// </summary>
public sealed partial class GrantConsentRecorder(
    IGrainFactory grains, PatientConsents consents, IOpenIddictAuthorizationManager authorizations, GrantRevocation revocation,
    NetworkCatalog networkCatalog, TimeProvider time, IConfiguration configuration, ILogger<GrantConsentRecorder> logger) : IGrantConsentRecorder
{
    private static readonly string[] Protocol = [Scopes.OpenId, Scopes.OfflineAccess];

    public async System.Threading.Tasks.Task NarrowAsync(Guid patient, string clientId, ISet<string> scopes, ISet<string> resources, List<NetworkRegistration> networks, CancellationToken cancellationToken = default)
    {
        var denied = await DeniedAsync(patient, clientId, resources, scopes);
        scopes.ExceptWith(denied);
        foreach (var network in networks.Where(n => denied.Contains(n.Scope)).ToList())
        {
            resources.Remove(network.Resource);
            networks.Remove(network);
        }
    }

    public async System.Threading.Tasks.Task NarrowAsync(ClaimsIdentity token, CancellationToken cancellationToken = default)
    {
        if (token.GetAuthorizationId() is not { } authorizationId
            || await authorizations.FindByIdAsync(authorizationId, cancellationToken) is not { } authorization
            || await authorizations.PatientOfAsync(authorization, cancellationToken) is not { } patient)
        {
            return;
        }
        var client = token.GetPresenters().FirstOrDefault() ?? await authorizations.GetApplicationIdAsync(authorization, cancellationToken) ?? "";
        var scopes = token.GetScopes().ToHashSet(StringComparer.Ordinal);
        var resources = token.GetResources().ToHashSet(StringComparer.Ordinal);
        var denied = await DeniedAsync(patient, client, resources, scopes);
        if (denied.Count == 0)
        {
            return;
        }
        token.SetScopes(scopes.Except(denied));
        var deniedNetworks = (await networkCatalog.AllAsync(cancellationToken)).Where(n => denied.Contains(n.Scope)).Select(n => n.Resource);
        token.SetResources(resources.Except(deniedNetworks));
    }

    public async Task<GrantStanding> StandingAsync(string authorizationId, CancellationToken cancellationToken = default)
    {
        if (await authorizations.FindByIdAsync(authorizationId, cancellationToken) is not { } authorization
            || await authorizations.PatientOfAsync(authorization, cancellationToken) is not { } patient)
        {
            return GrantStanding.Unknown;
        }
        var consent = await grains.GetGrain<IPatientConsentGrain>(patient).FindByAuthorizationAsync(authorizationId);
        var endsAt = consent is null ? null : EndOf(consent.Json);
        var ended = consent switch
        {
            null => "No Consent records this grant: the patient must approve the app again.",
            { Status: not "active" } => "The patient withdrew this app's consent.",
            _ => endsAt is { } end && end <= time.GetUtcNow()
                ? $"The patient's consent for this app ended at {end.ToString("yyyy-MM-ddTHH:mm:ssK", System.Globalization.CultureInfo.InvariantCulture)}: ask the patient again."
                : null,
        };
        if (ended is not null)
        {
            // Noticed now (a period ends without anyone acting): the grant ends as a withdrawal ends it.
            await revocation.RevokeAsync(authorizationId, cancellationToken);
            LogGrantEnded(logger, authorizationId, consent?.ConsentId);
        }
        return new GrantStanding(ended, endsAt);
    }

    public async Task<string> RecordAsync(Guid patient, ClientProfile client, IReadOnlyList<NetworkRegistration> networks, IEnumerable<string> scopes,
        string authorizationId, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var days = Math.Clamp(configuration.GetValue("Consent:GrantDays", 365), 1, 3650);
        var provision = new Hl7.Fhir.Model.Consent.provisionComponent
        {
            Type = Hl7.Fhir.Model.Consent.ConsentProvisionType.Permit,
            Period = new Period(new FhirDateTime(now), new FhirDateTime(now.AddDays(days))),
            Actor = [Actor(ConsentCodes.ClientSystem, client.ClientId, client.DisplayName),
                .. networks.Select(n => Actor(ConsentCodes.NetworkSystem, n.Resource, n.Name))],
            Action = [new CodeableConcept(ConsentCodes.ConsentAction, ConsentCodes.Access)],
            Purpose = [new Coding(ConsentCodes.ActReason, ConsentCodes.PatientRequested, "patient requested")],
            Class = [.. scopes.Where(s => !Protocol.Contains(s)).Order(StringComparer.Ordinal).Select(s => new Coding(ConsentCodes.ScopeSystem, s))],
        };
        var consent = new Hl7.Fhir.Model.Consent
        {
            Status = Hl7.Fhir.Model.Consent.ConsentState.Active,
            Scope = new CodeableConcept(ConsentCodes.ConsentScope, ConsentCodes.PatientPrivacy, "Privacy Consent"),
            Category = [new CodeableConcept(ConsentCodes.Loinc, ConsentCodes.PatientConsentLoinc, "Patient Consent")],
            Patient = new ResourceReference($"Patient/{patient:D}"),
            DateTime = now.ToString("yyyy-MM-ddTHH:mm:ssK", System.Globalization.CultureInfo.InvariantCulture),
            Performer = [new ResourceReference($"Patient/{patient:D}")],
            Identifier = [new Identifier(ConsentCodes.AuthorizationSystem, authorizationId)],
            PolicyRule = new CodeableConcept(ConsentCodes.ActCode, ConsentCodes.OptIn, "opt-in"),
            Provision = provision,
        };
        var author = new ResourceReference($"Patient/{patient:D}");
        var result = await consents.CreateAsync(patient, ConsentResourceReader.Serialize(consent), $"Patient/{patient:D}", author, null, cancellationToken);
        if (result.Status != ConsentWriteStatus.Done)
        {
            throw new InvalidOperationException($"The grant Consent was refused: {result.Failure?.Message ?? result.Status.ToString()}");
        }
        return result.Version!.ConsentId;
    }

    public async System.Threading.Tasks.Task AbandonAsync(Guid patient, string authorizationId, string? consentId)
    {
        // Whatever failed may still be failing: each step is tried on its own, and nothing here hides the first error.
        try
        {
            await revocation.RevokeAsync(authorizationId, CancellationToken.None);
        }
        catch (Exception e)
        {
            LogAbandonFailed(logger, e, "revoke the authorization", authorizationId);
        }
        if (consentId is null)
        {
            return;
        }
        try
        {
            var author = $"Patient/{patient:D}";
            await consents.WithdrawAsync(patient, consentId, author, new ResourceReference(author), null, CancellationToken.None);
        }
        catch (Exception e)
        {
            LogAbandonFailed(logger, e, "withdraw the grant Consent", authorizationId);
        }
    }

    /// <summary>The end of the grant Consent's period (the root provision's), read without a full FHIR parse: this runs on every refresh.</summary>
    private static DateTimeOffset? EndOf(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.TryGetProperty("provision", out var provision)
            && provision.TryGetProperty("period", out var period)
            && period.TryGetProperty("end", out var end) && end.ValueKind == JsonValueKind.String
            && ConsentPeriod.From(null, end.GetString()) is { EndExclusive: { } exclusive }
                ? exclusive
                : null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "OAuth authorization {AuthorizationId} ended with its grant Consent {ConsentId}")]
    private static partial void LogGrantEnded(ILogger logger, string authorizationId, string? consentId);

    [LoggerMessage(Level = LogLevel.Error, Message = "An unfinished approval could not {Step} (authorization {AuthorizationId})")]
    private static partial void LogAbandonFailed(ILogger logger, Exception exception, string step, string authorizationId);

    private async Task<IReadOnlySet<string>> DeniedAsync(Guid patient, string clientId, IEnumerable<string> resources, IEnumerable<string> scopes)
    {
        var grain = grains.GetGrain<IPatientConsentGrain>(patient);
        var actors = resources.Select(ConsentCodes.NetworkActor).Prepend(ConsentCodes.ClientActor(clientId)).ToImmutableArray();
        var now = time.GetUtcNow();
        var denied = new HashSet<string>(StringComparer.Ordinal);
        ImmutableArray<string>? namedTypes = null;
        foreach (var scope in scopes.Where(s => !Protocol.Contains(s)))
        {
            List<ImmutableArray<string>> questions = [[$"{ConsentCodes.ScopeSystem}|{scope}"]];
            if (SmartScope.Parse(scope) is { } smart)
            {
                if (smart.ResourceType != "*")
                {
                    questions[0] = questions[0].Add($"{ConsentCodes.ResourceTypes}|{smart.ResourceType}");
                }
                else
                {
                    namedTypes ??= await NamedResourceTypesAsync(grain);
                    questions.AddRange(namedTypes.Value.Select(t => ImmutableArray.Create($"{ConsentCodes.ResourceTypes}|{t}")));
                }
            }
            foreach (var classes in questions)
            {
                var decision = await grain.DecideAsync(new ConsentDecisionRequest
                {
                    Patient = $"Patient/{patient:D}", Actors = actors, PurposeOfUse = ConsentCodes.PatientRequested, DataClasses = classes, Time = now,
                });
                if (decision.Outcome == ConsentOutcome.Deny)
                {
                    denied.Add(scope);
                    break;
                }
            }
        }
        return denied;
    }

    private static async Task<ImmutableArray<string>> NamedResourceTypesAsync(IPatientConsentGrain grain)
    {
        var types = new HashSet<string>(StringComparer.Ordinal);
        foreach (var version in await grain.CurrentAsync())
        {
            if (version.Status == "active" && ConsentResourceReader.Read(version.Json).Consent?.Provision is { } root)
            {
                Collect(root, types);
            }
        }
        return [.. types];
    }

    private static void Collect(Hl7.Fhir.Model.Consent.provisionComponent provision, HashSet<string> types)
    {
        types.UnionWith(provision.Class.Where(c => c.System == ConsentCodes.ResourceTypes && c.Code is not null).Select(c => c.Code!));
        foreach (var nested in provision.Provision)
        {
            Collect(nested, types);
        }
    }

    private static Hl7.Fhir.Model.Consent.provisionActorComponent Actor(string system, string value, string display) => new()
    {
        Role = new CodeableConcept(ConsentCodes.ParticipationType, ConsentCodes.InformationRecipient, "information recipient"),
        Reference = new ResourceReference { Identifier = new Identifier(system, value), Display = display },
    };
}
