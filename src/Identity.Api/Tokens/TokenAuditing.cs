using System.Security.Claims;
using System.Text;
using System.Text.RegularExpressions;
using Identity.Api.Audit;
using Identity.Api.Passkeys;
using Identity.Grains.Audit;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;
using AuditEvent = Hl7.Fhir.Model.AuditEvent;
using CodeableConcept = Hl7.Fhir.Model.CodeableConcept;

namespace Identity.Api.Tokens;

/// <summary>
/// Records every token operation as a BALP AuditEvent (<see cref="TokenAuditEvents"/>) before OpenIddict acts on it, so an
/// unavailable audit store (<see cref="AuditUnavailableException"/>, 503 <c>audit_unavailable</c>) leaves nothing changed:
/// <list type="bullet">
/// <item>token issued, refreshed or exchanged: at sign-in, before <c>RedeemTokenEntry</c>, so neither is the code or refresh
/// token redeemed nor any token entry created when the write fails (a retry with the same code still works). If OpenIddict
/// then refuses after all (a concurrent redemption), the error response records a second entry with outcome 8. A
/// client_credentials token (a network's own, no patient in it) is a hot path: its event is queued for the next group commit
/// and the answer does not wait for it (<see cref="IAuditTrail.RecordHotPathAsync"/>), unless the store is failing;</item>
/// <item>revoked: before <c>RevokeToken</c>; introspected: when the answer is known, before it is sent (active or not),
/// as a hot path like client_credentials;</item>
/// <item>refused: OAuth errors of the token and authorization endpoints when a patient is known (presented code, refresh or
/// subject token; the signed-in patient at authorize).</item>
/// </list>
/// Token values, codes, verifiers, secrets and assertions are never recorded; the request line keeps only listed parameters.
/// </summary>
public sealed partial class TokenAuditing(
    IAuditTrail trail, IOptions<AuditSettings> settings, TimeProvider time,
    IOpenIddictAuthorizationManager authorizations, IMemoryCache cache) :
    IOpenIddictServerHandler<ValidateTokenContext>,
    IOpenIddictServerHandler<ProcessSignInContext>,
    IOpenIddictServerHandler<ApplyTokenResponseContext>,
    IOpenIddictServerHandler<ApplyAuthorizationResponseContext>,
    IOpenIddictServerHandler<HandleIntrospectionRequestContext>,
    IOpenIddictServerHandler<ApplyIntrospectionResponseContext>,
    IOpenIddictServerHandler<HandleRevocationRequestContext>
{
    private const string PresentedToken = "identityconsent:audit:presented_token";
    private const string AuditedIssue = "identityconsent:audit:issued";

    private static readonly string[] RecordedParameters =
    [
        Parameters.GrantType, Parameters.ResponseType, Parameters.ClientId, Parameters.Scope, Parameters.Resource, Parameters.Audience,
        Parameters.RedirectUri, Parameters.Prompt, Parameters.AcrValues, Parameters.MaxAge, Parameters.RequestedTokenType,
        Parameters.SubjectTokenType, Parameters.TokenTypeHint, PurposeOfUseParameter,
    ];

    private static readonly string[] PresentedTypes =
        [TokenTypeIdentifiers.Private.AuthorizationCode, TokenTypeIdentifiers.RefreshToken, TokenTypeIdentifiers.AccessToken];

    /// <summary>IUA's purpose of use on a token request: an HL7 v3 ActReason code (<c>TREAT</c>) or <c>system|code</c>.</summary>
    public const string PurposeOfUseParameter = "purpose_of_use";

    public static IEnumerable<OpenIddictServerHandlerDescriptor> Descriptors { get; } =
    [
        // After the token entry's properties (authorization id) are restored, before any check can refuse it.
        OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
            .UseScopedHandler<TokenAuditing>().SetType(OpenIddictServerHandlerType.Custom)
            .SetOrder(OpenIddictServerHandlers.Protection.RestoreTokenEntryProperties.Descriptor.Order + 500).Build(),
        OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessSignInContext>()
            .UseScopedHandler<TokenAuditing>().SetType(OpenIddictServerHandlerType.Custom)
            .SetOrder(OpenIddictServerHandlers.RedeemTokenEntry.Descriptor.Order - 500).Build(),
        OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyTokenResponseContext>()
            .UseScopedHandler<TokenAuditing>().SetType(OpenIddictServerHandlerType.Custom)
            .SetOrder(OpenIddictServerHandlers.Exchange.NormalizeErrorResponse.Descriptor.Order + 500).Build(),
        OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyAuthorizationResponseContext>()
            .UseScopedHandler<TokenAuditing>().SetType(OpenIddictServerHandlerType.Custom)
            .SetOrder(OpenIddictServerHandlers.Authentication.AttachIssuer.Descriptor.Order + 500).Build(),
        OpenIddictServerHandlerDescriptor.CreateBuilder<HandleIntrospectionRequestContext>()
            .UseScopedHandler<TokenAuditing>().SetType(OpenIddictServerHandlerType.Custom)
            .SetOrder(OpenIddictServerHandlers.Introspection.AttachApplicationClaims.Descriptor.Order + 500).Build(),
        // Before NormalizeErrorResponse turns invalid_token into {"active":false}.
        OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyIntrospectionResponseContext>()
            .UseScopedHandler<TokenAuditing>().SetType(OpenIddictServerHandlerType.Custom)
            .SetOrder(OpenIddictServerHandlers.Introspection.NormalizeErrorResponse.Descriptor.Order - 500).Build(),
        OpenIddictServerHandlerDescriptor.CreateBuilder<HandleRevocationRequestContext>()
            .UseScopedHandler<TokenAuditing>().SetType(OpenIddictServerHandlerType.Custom)
            .SetOrder(OpenIddictServerHandlers.Revocation.RevokeToken.Descriptor.Order - 500).Build(),
    ];

    public ValueTask HandleAsync(ValidateTokenContext context)
    {
        if (context.Principal is { } principal && PresentedTypes.Contains(principal.GetTokenType()))
        {
            context.Transaction.Properties[PresentedToken] = principal;
        }
        return ValueTask.CompletedTask;
    }

    public async ValueTask HandleAsync(ProcessSignInContext context)
    {
        if (context.EndpointType != OpenIddictServerEndpointType.Token || context.Principal is not { } principal)
        {
            return;
        }
        var request = context.Request!;
        var operation = request.IsRefreshTokenGrantType() ? TokenOperation.Refreshed
            : request.IsTokenExchangeGrantType() ? TokenOperation.Exchanged
            : TokenOperation.Issued;
        var patientGrant = request.IsAuthorizationCodeGrantType() || request.IsRefreshTokenGrantType();
        var scopes = principal.GetScopes();
        List<string> types = [TokenTypeIdentifiers.AccessToken];
        // As OpenIddict's EvaluateGeneratedTokens decides, which runs only after the redemption this must precede.
        if (scopes.Contains(Scopes.OfflineAccess))
        {
            types.Add(TokenTypeIdentifiers.RefreshToken);
        }
        if (patientGrant && scopes.Contains(Scopes.OpenId))
        {
            types.Add(TokenTypeIdentifiers.IdentityToken);
        }
        var facts = new TokenAuditFacts(context.ClientId ?? request.ClientId, await PatientOfAsync(principal), types,
            [.. principal.GetResources()], [.. scopes], principal.GetAuthorizationId(), Purpose(request, patientGrant), Query(context.Transaction, request));
        var auditEvent = TokenAuditEvents.TokenRequest(Context(context.Transaction), operation, facts);
        if (request.IsClientCredentialsGrantType())
        {
            // A network's own token, no patient in it: the hot path ARCHITECTURE.md keeps off the database round trip.
            await trail.RecordHotPathAsync(auditEvent, RequestAborted(context.Transaction));
        }
        else
        {
            await trail.RecordAsync(auditEvent, RequestAborted(context.Transaction));
        }
        context.Transaction.Properties[AuditedIssue] = auditEvent;
    }

    public async ValueTask HandleAsync(ApplyTokenResponseContext context)
    {
        if (string.IsNullOrEmpty(context.Error))
        {
            return;
        }
        if (context.Transaction.Properties.TryGetValue(AuditedIssue, out var audited) && audited is AuditEvent issued)
        {
            await trail.RecordAsync(BalpAuditEvents.NotApplied(issued, time.GetUtcNow(), context.Error), RequestAborted(context.Transaction));
            return;
        }
        if (context.Transaction.Properties.TryGetValue(PresentedToken, out var presented) && presented is ClaimsPrincipal token
            && await PatientOfAsync(token) is { } patient && context.Request is { } request)
        {
            var facts = new TokenAuditFacts(request.ClientId, patient, [token.GetTokenType()!], [.. token.GetResources()],
                [.. request.GetScopes()], token.GetAuthorizationId(), Purpose(request, patientGrant: true), Query(context.Transaction, request));
            await trail.RecordAsync(TokenAuditEvents.TokenRequest(Context(context.Transaction), TokenOperation.Refused, facts, context.Error),
                RequestAborted(context.Transaction));
        }
    }

    public async ValueTask HandleAsync(ApplyAuthorizationResponseContext context)
    {
        if (string.IsNullOrEmpty(context.Error) || context.Transaction.GetHttpRequest() is not { } http || context.Request is not { } request)
        {
            return;
        }
        var cookie = await http.HttpContext.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        if (!cookie.Succeeded || PatientSession.PersonIdentifier(cookie.Principal!) is not { } patient)
        {
            return;
        }
        var facts = new TokenAuditFacts(request.ClientId, patient, [], [.. request.GetResources()], [.. request.GetScopes()], null,
            Purpose(request, patientGrant: true), Query(context.Transaction, request));
        await trail.RecordAsync(TokenAuditEvents.TokenRequest(Context(context.Transaction), TokenOperation.Refused, facts, context.Error),
            RequestAborted(context.Transaction));
    }

    public async ValueTask HandleAsync(HandleIntrospectionRequestContext context)
    {
        if (context.GenericTokenPrincipal is not { } token)
        {
            return;
        }
        await trail.RecordHotPathAsync(TokenAuditEvents.Introspected(Context(context.Transaction), await FactsAsync(context.Transaction, context.Request, token), active: true),
            RequestAborted(context.Transaction));
    }

    public async ValueTask HandleAsync(ApplyIntrospectionResponseContext context)
    {
        if (context.Error != Errors.InvalidToken || context.Request is not { } request)
        {
            return;
        }
        var facts = context.Transaction.Properties.TryGetValue(PresentedToken, out var presented) && presented is ClaimsPrincipal token
            ? await FactsAsync(context.Transaction, request, token)
            : new TokenAuditFacts(request.ClientId, null, [], [], [], null, Purpose(request, patientGrant: false), Query(context.Transaction, request));
        await trail.RecordHotPathAsync(TokenAuditEvents.Introspected(Context(context.Transaction), facts, active: false), RequestAborted(context.Transaction));
    }

    public async ValueTask HandleAsync(HandleRevocationRequestContext context)
    {
        if (context.GenericTokenPrincipal is not { } token)
        {
            return;
        }
        await trail.RecordAsync(TokenAuditEvents.Revoked(Context(context.Transaction), await FactsAsync(context.Transaction, context.Request, token)),
            RequestAborted(context.Transaction));
    }

    private async Task<TokenAuditFacts> FactsAsync(OpenIddictServerTransaction transaction, OpenIddictRequest? request, ClaimsPrincipal token)
    {
        var patient = await PatientOfAsync(token);
        return new TokenAuditFacts(request?.ClientId, patient, token.GetTokenType() is { } type ? [type] : [], [.. token.GetResources()],
            [.. token.GetScopes()], token.GetAuthorizationId(), request is null ? null : Purpose(request, patient is not null),
            request is null ? "" : Query(transaction, request));
    }

    /// <summary>The patient behind a token: its launch or person identifier claim, else the patient its authorization was granted by.</summary>
    private async ValueTask<Guid?> PatientOfAsync(ClaimsPrincipal principal)
    {
        foreach (var type in new[] { TokenClaims.LaunchPatient, TokenScopes.PersonIdentifier })
        {
            if (Guid.TryParseExact(principal.GetClaim(type), "D", out var id))
            {
                return id;
            }
        }
        if (principal.GetAuthorizationId() is not { } authorizationId)
        {
            return null;
        }
        // An authorization's patient never changes, so it is looked up once per authorization.
        return await cache.GetOrCreateAsync(("audit-authorization-patient", authorizationId), async entry =>
        {
            entry.SetSlidingExpiration(TimeSpan.FromMinutes(30)).SetSize(1);
            return await authorizations.PatientOfAsync(authorizationId);
        });
    }

    private AuditContext Context(OpenIddictServerTransaction transaction) =>
        new(settings.Value.Site, transaction.GetHttpRequest()?.HttpContext.Connection.RemoteIpAddress?.ToString(), time.GetUtcNow());

    private static CancellationToken RequestAborted(OpenIddictServerTransaction transaction) =>
        transaction.GetHttpRequest()?.HttpContext.RequestAborted ?? default;

    /// <summary>The purpose of use the client named, else "patient requested" for what a patient's app does for them.</summary>
    private static CodeableConcept? Purpose(OpenIddictRequest request, bool patientGrant)
    {
        if ((string?)request.GetParameter(PurposeOfUseParameter) is { } named && PurposeOfUse().Match(named) is { Success: true } match)
        {
            var system = match.Groups["system"].Success ? match.Groups["system"].Value : BalpCodes.ActReason;
            return new CodeableConcept(system, match.Groups["code"].Value);
        }
        return patientGrant ? BalpCodes.PatientRequested : null;
    }

    /// <summary>The request line with only the <see cref="RecordedParameters"/>: never codes, tokens, verifiers, secrets or assertions.</summary>
    private static string Query(OpenIddictServerTransaction transaction, OpenIddictRequest request)
    {
        var http = transaction.GetHttpRequest();
        var line = new StringBuilder($"{http?.Method ?? "POST"} {http?.Path.Value}");
        var separator = ' ';
        foreach (var name in RecordedParameters)
        {
            foreach (var value in (Microsoft.Extensions.Primitives.StringValues)request.GetParameter(name))
            {
                line.Append(separator).Append(name).Append('=').Append(Uri.EscapeDataString(value ?? ""));
                separator = '&';
            }
        }
        return line.ToString();
    }

    [GeneratedRegex("^(?:(?<system>(?:urn|https?):[^|]{1,200})\\|)?(?<code>[A-Za-z0-9._-]{1,40})$")]
    private static partial Regex PurposeOfUse();
}
