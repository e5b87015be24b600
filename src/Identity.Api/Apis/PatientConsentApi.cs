using Identity.Api.Consent;
using Identity.Api.Hosting;
using Identity.Api.Passkeys;
using Identity.Api.Tokens;
using Identity.Grains.Consent;
using OpenIddict.Abstractions;

namespace Identity.Api.Apis;

/// <summary>
/// What the "my consents" page (<c>/account/consents</c>) reads and does for the signed-in patient: each consent in plain
/// terms with app and network names, its history, and withdrawal (a new inactive version; an app's grant ends with it).
/// </summary>
public static class PatientConsentApi
{
    public static IEndpointRouteBuilder MapPatientConsentApi(this IEndpointRouteBuilder app)
    {
        var consents = app.MapGroup("/api/consents").WithTags("Consent (patient page)").RequireAuthorization().AddEndpointFilter<SameOriginFilter>();
        consents.MapGet("/", ListAsync).WithSummary("Your consents, current versions, with app and network names.");
        consents.MapGet("/{id}/history", HistoryAsync).WithSummary("Every version of one of your consents, newest first.");
        consents.MapPost("/{id}/withdraw", WithdrawAsync).WithSummary("Withdraw one of your consents (kept as an inactive version).");
        return app;
    }

    private static async Task<IResult> ListAsync(HttpContext http, IGrainFactory grains, IOpenIddictApplicationManager applications, NetworkCatalog networks)
    {
        var patient = PatientSession.PersonIdentifier(http.User)!.Value;
        var names = new ActorNames(applications, networks);
        var list = new List<object>();
        foreach (var version in (await grains.GetGrain<IPatientConsentGrain>(patient).CurrentAsync()).Reverse())
        {
            var consent = ConsentResourceReader.Read(version.Json).Consent!;
            var root = consent.Provision;
            list.Add(new
            {
                id = version.ConsentId,
                versionId = version.VersionId,
                status = version.Status,
                lastUpdated = version.RecordedAt,
                changedBy = version.ChangedBy,
                appGrant = version.AuthorizationId is not null,
                type = root?.Type?.ToString().ToLowerInvariant(),
                actors = await names.OfAsync(root?.Actor ?? []),
                purposes = root?.Purpose.Select(p => p.Code) ?? [],
                scopes = root?.Class.Where(c => c.System == ConsentCodes.ScopeSystem).Select(c => c.Code) ?? [],
                period = root?.Period is { } period ? new { start = period.Start, end = period.End } : null,
                exceptions = root?.Provision.Count ?? 0,
            });
        }
        return TypedResults.Ok(list);
    }

    private static async Task<IResult> HistoryAsync(string id, HttpContext http, IGrainFactory grains)
    {
        var patient = PatientSession.PersonIdentifier(http.User)!.Value;
        var versions = await grains.GetGrain<IPatientConsentGrain>(patient).HistoryAsync(id);
        return versions.IsEmpty
            ? Problems.NotFound("consent_not_found", "You have no consent with this id.")
            : TypedResults.Ok(versions.Select(v => new { versionId = v.VersionId, status = v.Status, recordedAt = v.RecordedAt, changedBy = v.ChangedBy }));
    }

    private static async Task<IResult> WithdrawAsync(string id, HttpContext http, PatientConsents consents)
    {
        var patient = PatientSession.PersonIdentifier(http.User)!.Value;
        var caller = new ConsentCaller(patient, null, [], IsSignedInPatient: true);
        if (await consents.Of(patient).ReadAsync(id) is null)
        {
            return Problems.NotFound("consent_not_found", "You have no consent with this id.");
        }
        var result = await consents.WithdrawAsync(patient, id, caller.Author, caller.Requestor, http.Connection.RemoteIpAddress?.ToString(), http.RequestAborted);
        return result.Status == ConsentWriteStatus.Done
            ? TypedResults.Ok(new { id, versionId = result.Version!.VersionId, status = result.Version.Status })
            : Problems.Conflict("consent_not_withdrawn", "The consent could not be withdrawn; reload and try again.");
    }

    private sealed class ActorNames(IOpenIddictApplicationManager applications, NetworkCatalog networks)
    {
        public async Task<List<object>> OfAsync(IEnumerable<Hl7.Fhir.Model.Consent.provisionActorComponent> actors)
        {
            var all = await networks.AllAsync();
            var named = new List<object>();
            foreach (var actor in actors)
            {
                var identifier = actor.Reference?.Identifier;
                var name = identifier?.System switch
                {
                    ConsentCodes.ClientSystem when await applications.FindByClientIdAsync(identifier.Value ?? "") is { } app =>
                        await applications.GetDisplayNameAsync(app) ?? identifier.Value,
                    ConsentCodes.NetworkSystem => all.FirstOrDefault(n => n.Resource == identifier.Value)?.Name ?? actor.Reference?.Display ?? identifier.Value,
                    _ => actor.Reference?.Display ?? actor.Reference?.Reference ?? identifier?.Value,
                };
                var kind = identifier?.System switch
                {
                    ConsentCodes.ClientSystem => "app",
                    ConsentCodes.NetworkSystem => "network",
                    _ => "organization",
                };
                named.Add(new { name, kind, id = ConsentCodes.Actor(actor.Reference?.Reference, identifier?.System, identifier?.Value) });
            }
            return named;
        }
    }
}
