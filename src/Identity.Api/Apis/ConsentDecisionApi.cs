using System.Text.Json;
using Identity.Api.Consent;
using Identity.Api.Hosting;
using Identity.Grains.Consent;

namespace Identity.Api.Apis;

/// <summary>
/// The consent decision service for networks (PROFILES.md "Consent"): CDS Hooks discovery at <c>/cds-services</c> with
/// the <c>patient-consent-consult</c> service (LEAP-style cards CONSENT_PERMIT / CONSENT_DENY / NO_CONSENT with the
/// obligations), and the same decision as plain JSON at <c>POST /consent/decide</c>. Both need a client-credentials
/// access token with scope <c>consent.decide</c>; every decision is audited (BALP AuthZconsent): break-the-glass committed
/// before the answer, others queued for the next group commit (hot path, <see cref="ConsentDecisions"/>).
/// </summary>
public static class ConsentDecisionApi
{
    public const string ServiceId = "patient-consent-consult";

    public static IEndpointRouteBuilder MapConsentDecisionApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/consent/decide", DecideAsync).WithTags("Consent decisions").DisableAntiforgery()
            .WithSummary("PERMIT / DENY / NO_CONSENT for a patient, actor, purpose of use, security labels and time (scope consent.decide).");
        var hooks = app.MapGroup("/cds-services").WithTags("Consent decisions").DisableAntiforgery();
        hooks.MapGet("/", Discovery).WithSummary("CDS Hooks discovery.");
        hooks.MapPost($"/{ServiceId}", ConsultAsync).WithSummary("CDS Hooks patient-consent-consult: one card with the decision and its obligations.");
        return app;
    }

    private static IResult Discovery() => TypedResults.Ok(new
    {
        services = new[]
        {
            new
            {
                hook = ServiceId,
                id = ServiceId,
                title = "Patient consent consult",
                description = "Decides from the patient's FHIR R4 Consents whether an actor may access data for a purpose of use: "
                    + "CONSENT_PERMIT, CONSENT_DENY or NO_CONSENT, with obligations. Context: patientId, actor, purposeOfUse "
                    + "(one code; BTG needs reason), optional securityLabel, class, action, time.",
                usageRequirements = "Bearer access token with scope consent.decide (client credentials).",
            },
        },
    });

    private static async Task<IResult> DecideAsync(HttpContext http, ConsentDecisions decisions, TimeProvider time)
    {
        var (body, problem) = await ReadAsync(http);
        if (problem is not null)
        {
            return problem;
        }
        var (question, code, error) = DecisionQuestion.FromDecideBody(body, time.GetUtcNow());
        if (question is null)
        {
            return Problems.BadRequest(code!, error!);
        }
        var (caller, decision) = await DecideForCallerAsync(http, decisions, question);
        return TypedResults.Ok(new
        {
            decision = ConsentDecisions.Code(decision.Outcome),
            outcome = decision.Outcome switch { ConsentOutcome.Permit => "permit", ConsentOutcome.Deny => "deny", _ => "no-consent" },
            decidedBy = decision.DecidedBy.Select(p => new { consent = $"Consent/{p.ConsentId}/_history/{p.VersionId}", path = p.Path, type = p.Type == ConsentOutcome.Deny ? "deny" : "permit" }),
            obligations = decision.Obligations.Select(o => new { system = o.System, code = o.Code, display = o.Display }),
        });
    }

    private static async Task<IResult> ConsultAsync(HttpContext http, ConsentDecisions decisions, TimeProvider time)
    {
        var (body, problem) = await ReadAsync(http);
        if (problem is not null)
        {
            return problem;
        }
        if (!body.TryGetProperty("context", out var context) || context.ValueKind != JsonValueKind.Object)
        {
            return Problems.BadRequest("invalid_hook_request", "A CDS Hooks request needs a context object.");
        }
        var (question, code, error) = DecisionQuestion.FromHookContext(context, time.GetUtcNow());
        if (question is null)
        {
            return Problems.BadRequest(code!, error!);
        }
        var (_, decision) = await DecideForCallerAsync(http, decisions, question);
        var summary = ConsentDecisions.Code(decision.Outcome);
        return TypedResults.Ok(new
        {
            cards = new[]
            {
                new
                {
                    uuid = Guid.NewGuid().ToString("D"),
                    summary,
                    detail = decision.Outcome switch
                    {
                        ConsentOutcome.Permit => "The patient's consent permits this access.",
                        ConsentOutcome.Deny => "The patient's consent denies this access.",
                        _ => "No active consent of the patient applies to this access.",
                    },
                    indicator = decision.Outcome == ConsentOutcome.Permit ? "info" : decision.Outcome == ConsentOutcome.Deny ? "critical" : "warning",
                    source = new { label = "IdentityConsent patient consent", topic = new { system = "https://identityconsent/cds", code = ServiceId } },
                    extension = new
                    {
                        decision = summary,
                        basedOn = decision.DecidedBy.Select(p => $"Consent/{p.ConsentId}/_history/{p.VersionId}").Distinct(),
                        obligations = decision.Obligations.Select(o => new { obligation = new { system = o.System, code = o.Code, display = o.Display } }),
                    },
                },
            },
        });
    }

    private static async Task<(ConsentCaller Caller, ConsentDecision Decision)> DecideForCallerAsync(HttpContext http, ConsentDecisions decisions, DecisionQuestion question)
    {
        var caller = (ConsentCaller)http.Items[typeof(ConsentCaller)]!;
        var decision = await decisions.DecideAsync(question.Patient, question.Request, caller.Requestor, question.Reason,
            http.Connection.RemoteIpAddress?.ToString(), http.RequestAborted);
        return (caller, decision);
    }

    private static async Task<(JsonElement Body, IResult? Problem)> ReadAsync(HttpContext http)
    {
        if (await ConsentCaller.ResolveAsync(http) is not { IsSignedInPatient: false } caller)
        {
            return (default, Problems.Create(StatusCodes.Status401Unauthorized, "invalid_token", "Present a client-credentials access token with scope consent.decide."));
        }
        if (!caller.MayDecide)
        {
            return (default, Problems.Create(StatusCodes.Status403Forbidden, "insufficient_scope", "The access token lacks the scope consent.decide."));
        }
        http.Items[typeof(ConsentCaller)] = caller;
        var (json, problem) = await RequestBody.ReadJsonTextAsync(http.Request, 16 * 1024);
        if (problem is not null)
        {
            return (default, problem);
        }
        using var document = JsonDocument.Parse(json!);
        return document.RootElement.ValueKind == JsonValueKind.Object
            ? (document.RootElement.Clone(), null)
            : (default, Problems.BadRequest("malformed_json", "The request body must be a JSON object."));
    }
}
