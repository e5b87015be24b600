using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Identity.Api.Enrollment;
using Identity.Api.Hosting;
using Identity.Api.Passkeys;
using Identity.Grains.Enrollment;
using Identity.Grains.Mdoc;
using Identity.Grains.Patients;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using static Hl7.Fhir.Model.AuditEvent;

namespace Identity.Api.Apis;

/// <summary>
/// Enrolment with a mobile driving licence (OpenID4VP 1.0 + ISO 18013-5): start a request, let a wallet answer it over
/// the Digital Credentials API or by redirect / QR code (<c>request_uri</c>, <c>direct_post(.jwt)</c>), then register
/// the first passkey of the verified (or recovered) patient and sign in at AAL2. Only the browser that started an
/// enrolment (its <c>__enrollment</c> cookie) can see the result and register the passkey.
/// </summary>
public static class EnrollmentApi
{
    public const string BindingCookie = "__enrollment";
    private const int MaxResponseBytes = JweEcdhEs.MaxCompactLength + 4096;

    public static WebApplication MapEnrollment(this WebApplication app)
    {
        app.MapGet("/account/enroll", () => Results.File(
            Path.Combine(app.Environment.WebRootPath, "account", "enroll.html"), "text/html; charset=utf-8")).ExcludeFromDescription();

        var browser = app.MapGroup("/api/enrollment")
            .WithTags("Enrollment")
            .RequireAuthenticationRateLimit()
            .AddEndpointFilter<SameOriginFilter>();
        browser.MapPost("/", Start).WithSummary("Starts an mDL enrolment: DC API request, wallet link and QR code (single-use nonce, 10 minutes).");
        browser.MapGet("/{id}", Status).WithSummary("Where the enrolment stands (only for the browser that started it).");
        browser.MapPost("/{id}/dc-api", DigitalCredentialsResponse).WithSummary("The wallet's answer from navigator.credentials.get (openid4vp-v1-signed or openid4vp-v1-unsigned, dc_api.jwt).");
        browser.MapPost("/{id}/passkey/options", PasskeyOptions).WithSummary("Creation options for the verified patient's passkey.");
        browser.MapPost("/{id}/passkey", RegisterPasskey).WithSummary("Registers the verified patient's passkey and signs them in at AAL2.");

        // Called by the wallet, possibly on another device: no cookie, no Origin.
        var wallet = app.MapGroup("/api/enrollment")
            .WithTags("Enrollment (wallet)")
            .RequireAuthenticationRateLimit();
        wallet.MapGet("/{id}/request", RequestObject).WithSummary("The OpenID4VP request object (request_uri), unsigned.");
        wallet.MapPost("/{id}/response", DirectPost).WithSummary("The wallet's response (response_uri): direct_post.jwt or direct_post.");

        app.MapDemoWallet();
        return app;
    }

    private static async Task<IResult> Start(HttpContext http, IGrainFactory grains, IEnrollmentNonceLedger nonces,
        IOptions<PasskeySettings> passkeys, TimeProvider time)
    {
        var flow = EnrollmentFlow.DirectPostJwt;
        if (http.Request.ContentLength is > 0)
        {
            var (body, problem) = await RequestBody.ReadAsync<StartEnrollmentRequest>(http.Request);
            if (problem is not null)
            {
                return problem;
            }
            switch (body!.ResponseMode)
            {
                case null or "direct_post.jwt":
                    break;
                case "direct_post":
                    flow = EnrollmentFlow.DirectPost;
                    break;
                default:
                    return Problems.BadRequest("unsupported_response_mode", "responseMode must be direct_post.jwt or direct_post.");
            }
        }
        var id = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));
        using var key = ResponseEncryptionKey.Create(id);
        var secret = RandomNumberGenerator.GetBytes(32);
        var session = new EnrollmentSession
        {
            Id = id,
            Nonce = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32)),
            Origin = Origin(http.Request, passkeys.Value),
            ResponseKey = key.ExportPkcs8(),
            BrowserBinding = SHA256.HashData(secret),
            ExpiresAt = time.GetUtcNow() + EnrollmentGrain.Lifetime,
            Flow = flow,
        };
        if (!await grains.GetGrain<IEnrollmentGrain>(id).StartAsync(session))
        {
            return Problems.Conflict("enrollment_id_taken", "Try again.");
        }
        await nonces.IssueAsync(session.Nonce, EnrollmentGrain.Lifetime, http.RequestAborted);
        http.Response.Cookies.Append(BindingCookie, Base64Url.EncodeToString(secret), new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = http.Request.IsHttps,
            Path = "/api/enrollment",
            MaxAge = EnrollmentGrain.Lifetime + TimeSpan.FromMinutes(5),
        });
        var link = EnrollmentRequests.WalletLink(session);
        var demo = http.RequestServices.IsDemoEnabled()
            ? $"/demo/wallet?client_id={Uri.EscapeDataString(EnrollmentRequests.ClientId(session))}&request_uri={Uri.EscapeDataString(EnrollmentRequests.RequestUri(session))}"
            : null;
        var digital = new System.Text.Json.Nodes.JsonObject
        {
            ["digital"] = new System.Text.Json.Nodes.JsonObject
            {
                // Signed first (the wallet can authenticate the verifier), unsigned for wallets without signed-request support.
                ["requests"] = http.RequestServices.GetService<VerifierCertificate>() is { } verifier
                    ? new System.Text.Json.Nodes.JsonArray(EnrollmentRequests.SignedDcApiRequest(session, key, verifier), EnrollmentRequests.DcApiRequest(session, key))
                    : new System.Text.Json.Nodes.JsonArray(EnrollmentRequests.DcApiRequest(session, key)),
            },
        };
        return TypedResults.Created($"/api/enrollment/{id}",
            new EnrollmentStarted(id, session.ExpiresAt, digital, link, WalletQrCode.PngDataUrl(link), demo));
    }

    private static async Task<IResult> Status(string id, HttpContext http, IGrainFactory grains)
    {
        var (session, failure) = await BoundSessionAsync(http, grains, id);
        return session is null ? failure!.ToProblem() : TypedResults.Ok(StateOf(session));
    }

    private static async Task<IResult> DigitalCredentialsResponse(string id, HttpContext http, IGrainFactory grains, MdlEnrollment enrollment)
    {
        var (bound, failure) = await BoundSessionAsync(http, grains, id);
        if (bound is null)
        {
            return failure!.ToProblem();
        }
        var (json, problem) = await RequestBody.ReadJsonTextAsync(http.Request, MaxResponseBytes);
        if (problem is not null)
        {
            return problem;
        }
        var (session, refused) = await enrollment.BeginAsync(id, http.RequestAborted);
        if (session is null)
        {
            return refused!.ToProblem();
        }
        using var key = ResponseEncryptionKey.FromPkcs8(session.ResponseKey, session.Id);
        byte[] deviceResponse;
        string? protocol;
        try
        {
            var body = JsonSerializer.Deserialize<DigitalCredentialResponse>(json!, JsonSerializerOptions.Web);
            protocol = body?.Protocol;
            if (body is null || protocol != EnrollmentRequests.DcApiProtocol
                && !(protocol == EnrollmentRequests.DcApiSignedProtocol && http.RequestServices.GetService<VerifierCertificate>() is not null))
            {
                throw new EnrollmentFailureException(EnrollmentFailure.BadRequest("dc_api_protocol_unsupported",
                    $"The credential must answer one of the requests made ({EnrollmentRequests.DcApiSignedProtocol}, {EnrollmentRequests.DcApiProtocol})."));
            }
            if (body.Data?["response"]?.GetValueKind() != JsonValueKind.String)
            {
                throw new EnrollmentFailureException(EnrollmentFailure.BadRequest("response_encryption_required",
                    "The request asked for an encrypted response (dc_api.jwt); data.response is missing."));
            }
            deviceResponse = WalletResponse.FromResponsePayload(Decrypt(key, body.Data["response"]!.GetValue<string>()), null);
        }
        catch (JsonException)
        {
            return (await enrollment.RefuseAsync(http, session, EnrollmentFailure.BadRequest("malformed_json", "The body must be {protocol, data}."))).ToProblem();
        }
        catch (EnrollmentFailureException e)
        {
            return (await enrollment.RefuseAsync(http, session, e.Failure)).ToProblem();
        }
        // The same transcript for both: OpenID4VPDCAPIHandoverInfo is [origin, nonce, jwkThumbprint] (OpenID4VP 1.0 B.2.6.2).
        var transcript = SessionTranscript.ForOpenId4VpDcApi(session.Origin, session.Nonce, key.Thumbprint);
        var refusal = await enrollment.CompleteAsync(http, session, deviceResponse, transcript, $"{protocol} dc_api.jwt");
        return refusal is not null ? refusal.ToProblem() : TypedResults.Ok(StateOf((await grains.GetGrain<IEnrollmentGrain>(id).GetAsync())!));
    }

    private static async Task<IResult> RequestObject(string id, IGrainFactory grains, TimeProvider time)
    {
        if (await grains.GetGrain<IEnrollmentGrain>(id).GetAsync() is not { Status: EnrollmentStatus.Pending } session)
        {
            return EnrollmentFailure.SessionNotFound.ToProblem();
        }
        if (session.IsExpired(time.GetUtcNow()))
        {
            return EnrollmentFailure.Expired.ToProblem();
        }
        using var key = ResponseEncryptionKey.FromPkcs8(session.ResponseKey, session.Id);
        return Results.Text(EnrollmentRequests.RequestObject(session, key), EnrollmentRequests.RequestObjectMediaType, Encoding.ASCII);
    }

    private static async Task<IResult> DirectPost(string id, HttpContext http, MdlEnrollment enrollment)
    {
        if (!http.Request.HasFormContentType)
        {
            return Problems.Create(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type",
                "The response must be application/x-www-form-urlencoded (direct_post).");
        }
        if (http.Request.ContentLength > MaxResponseBytes)
        {
            return Problems.Create(StatusCodes.Status413PayloadTooLarge, "payload_too_large", "The response is too large.");
        }
        IFormCollection form;
        try
        {
            form = await http.Request.ReadFormAsync(new Microsoft.AspNetCore.Http.Features.FormOptions { ValueLengthLimit = MaxResponseBytes }, http.RequestAborted);
        }
        catch (InvalidDataException)
        {
            return Problems.Create(StatusCodes.Status413PayloadTooLarge, "payload_too_large", "The response is too large.");
        }
        var (session, refused) = await enrollment.BeginAsync(id, http.RequestAborted);
        if (session is null)
        {
            return refused!.ToProblem();
        }
        using var key = ResponseEncryptionKey.FromPkcs8(session.ResponseKey, session.Id);
        byte[] deviceResponse;
        try
        {
            deviceResponse = Read(session, key, form);
        }
        catch (EnrollmentFailureException e)
        {
            return (await enrollment.RefuseAsync(http, session, e.Failure)).ToProblem();
        }
        var encrypted = session.Flow == EnrollmentFlow.DirectPostJwt;
        var transcript = SessionTranscript.ForOpenId4Vp(EnrollmentRequests.ClientId(session), session.Nonce,
            encrypted ? key.Thumbprint : null, EnrollmentRequests.ResponseUri(session));
        var refusal = await enrollment.CompleteAsync(http, session, deviceResponse, transcript, $"openid4vp {EnrollmentRequests.ResponseMode(session)}");
        return refusal is not null ? refusal.ToProblem()
            : TypedResults.Ok(new Dictionary<string, string> { ["redirect_uri"] = $"{session.Origin}/account/enroll?session={session.Id}" });
    }

    private static byte[] Read(EnrollmentSession session, ResponseEncryptionKey key, IFormCollection form)
    {
        if (form.TryGetValue("error", out var error))
        {
            throw new EnrollmentFailureException(EnrollmentFailure.BadRequest("wallet_error", "The wallet did not share the document.",
                $"The wallet answered '{error}'."));
        }
        if (session.Flow == EnrollmentFlow.DirectPostJwt)
        {
            return form.TryGetValue("response", out var response) && response.Count == 1
                ? WalletResponse.FromResponsePayload(Decrypt(key, response.ToString()), session.Id)
                : throw new EnrollmentFailureException(EnrollmentFailure.BadRequest("response_encryption_required",
                    "The request asked for an encrypted response (direct_post.jwt); the form has no 'response'."));
        }
        if (form.TryGetValue("state", out var state) && state != session.Id)
        {
            throw new EnrollmentFailureException(EnrollmentFailure.BadRequest("vp_token_invalid", "The wallet's response is not a valid OpenID4VP response.",
                "The response's state is not this request's."));
        }
        return form.TryGetValue("vp_token", out var vpToken) && vpToken.Count == 1
            ? WalletResponse.FromVpTokenText(vpToken.ToString())
            : throw new EnrollmentFailureException(EnrollmentFailure.BadRequest("vp_token_invalid", "The wallet's response is not a valid OpenID4VP response.",
                "The form has no vp_token."));
    }

    private static byte[] Decrypt(ResponseEncryptionKey key, string jwe)
    {
        try
        {
            return key.Decrypt(jwe);
        }
        catch (JweException e)
        {
            throw new EnrollmentFailureException(EnrollmentFailure.BadRequest("response_not_decryptable",
                "The encrypted response cannot be opened with this request's key.", e.Message));
        }
    }

    private static async Task<IResult> PasskeyOptions(string id, HttpContext http, IGrainFactory grains, SignInManager<PatientUser> signIn)
    {
        var (session, failure) = await VerifiedSessionAsync(http, grains, id);
        if (session is null)
        {
            return failure!.ToProblem();
        }
        // The label goes to the authenticator only; the verified name is not put into the options.
        var options = await signIn.MakePasskeyCreationOptionsAsync(new PasskeyUserEntity
        {
            Id = session.Patient!.Value.ToString("D"),
            Name = "IdentityConsent account",
            DisplayName = "IdentityConsent account",
        });
        return Results.Content(options, "application/json");
    }

    private static async Task<IResult> RegisterPasskey(string id, HttpContext http, IGrainFactory grains, SignInManager<PatientUser> signIn,
        UserManager<PatientUser> users, PatientEvents events, TimeProvider time)
    {
        var (session, failure) = await VerifiedSessionAsync(http, grains, id);
        if (session is null)
        {
            return failure!.ToProblem();
        }
        var patientId = session.Patient!.Value;
        var (credential, problem) = await RequestBody.ReadJsonTextAsync(http.Request, RequestBody.MaxCredentialBytes);
        if (problem is not null)
        {
            return problem;
        }
        PasskeyAttestationResult attestation;
        try
        {
            attestation = await signIn.PerformPasskeyAttestationAsync(credential!);
        }
        catch (InvalidOperationException)
        {
            attestation = PasskeyAttestationResult.Fail(new PasskeyException("There is no passkey ceremony in progress: request new options first."));
        }
        if (!attestation.Succeeded)
        {
            await events.PasskeyRejectedAsync(http, "enrollment", patientId, AuditEventAction.C, null, PasskeyFailure.CodeFor(attestation.Failure));
            return PasskeyFailure.Rejected(attestation.Failure);
        }
        if (attestation.UserEntity.Id != patientId.ToString("D"))
        {
            await events.PasskeyRejectedAsync(http, "enrollment", patientId, AuditEventAction.C, null, "passkey_ceremony_mismatch");
            return Problems.BadRequest("passkey_ceremony_mismatch", "These options were made for another account; request new options.");
        }
        if (await users.FindByIdAsync(patientId.ToString("D")) is not { } patient)
        {
            return Problems.NotFound("patient_not_found", "The verified patient does not exist; start the enrolment again.");
        }
        if (!await grains.GetGrain<IEnrollmentGrain>(id).CompleteAsync())
        {
            return Problems.Conflict("enrollment_already_completed", "This enrolment already registered its passkey.");
        }
        var audited = await events.PasskeyAddingAsync(http, patientId, attestation.Passkey.CredentialId);
        try
        {
            var stored = await users.AddOrUpdatePasskeyAsync(patient, attestation.Passkey);
            if (!stored.Succeeded)
            {
                await events.NotAppliedAsync(http, audited, "passkey_not_stored");
                return Problems.BadRequest("passkey_not_stored", "The passkey could not be stored.");
            }
        }
        catch (PasskeyChangeRefusedException refused)
        {
            var result = PasskeyFailure.Refused(refused.Change);
            await events.NotAppliedAsync(http, audited, refused.Change.ToString());
            return result;
        }
        await signIn.SignInWithClaimsAsync(patient, new AuthenticationProperties { IsPersistent = false },
            PatientSession.SignInClaims(attestation.Passkey, time.GetUtcNow()));
        http.Response.Cookies.Delete(BindingCookie, new CookieOptions { Path = "/api/enrollment" });
        return TypedResults.Created("/api/account/me",
            new EnrollmentCompleted(patient.Id, session.IsRecovery ? "recovery" : "enrolled", "ial2"));
    }

    private static async Task<(EnrollmentSession? Session, EnrollmentFailure? Failure)> VerifiedSessionAsync(HttpContext http, IGrainFactory grains, string id)
    {
        var (session, failure) = await BoundSessionAsync(http, grains, id);
        if (session is null)
        {
            return (null, failure);
        }
        return session is { Status: EnrollmentStatus.Verified, Patient: not null }
            ? (session, null)
            : (null, new EnrollmentFailure(StatusCodes.Status409Conflict, "enrollment_not_verified",
                "The licence has not been verified for this enrolment (or its passkey is already registered)."));
    }

    private static async Task<(EnrollmentSession? Session, EnrollmentFailure? Failure)> BoundSessionAsync(HttpContext http, IGrainFactory grains, string id)
    {
        if (id.Length > 64 || await grains.GetGrain<IEnrollmentGrain>(id).GetAsync() is not { } session)
        {
            return (null, EnrollmentFailure.SessionNotFound);
        }
        var cookie = http.Request.Cookies[BindingCookie];
        var bound = cookie is { Length: <= 64 } && Base64Url.IsValid(cookie)
            && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Base64Url.DecodeFromChars(cookie)), session.BrowserBinding);
        return bound ? (session, null)
            : (null, new EnrollmentFailure(StatusCodes.Status403Forbidden, "enrollment_other_browser",
                "This enrolment was started in another browser; continue there."));
    }

    private static EnrollmentState StateOf(EnrollmentSession session) => new(
        session.Id,
        session.Status switch
        {
            EnrollmentStatus.Pending or EnrollmentStatus.Verifying => "pending",
            EnrollmentStatus.Verified => "verified",
            EnrollmentStatus.Failed => "failed",
            _ => "completed",
        },
        session.Status is EnrollmentStatus.Verified or EnrollmentStatus.Completed ? (session.IsRecovery ? "recovery" : "enrolled") : null,
        session.FailureCode,
        session.ExpiresAt);

    private static string Origin(HttpRequest request, PasskeySettings passkeys)
    {
        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0)
        {
            return origin;
        }
        return passkeys.Origins.Count > 0 ? passkeys.Origins[0] : $"{request.Scheme}://{request.Host}";
    }
}
