using System.Buffers.Text;
using System.Text.Json;
using Identity.Api.Hosting;
using Identity.Api.Passkeys;
using Identity.Api.Passkeys.WebAuthn;
using Identity.Grains.Passkeys;
using Identity.Grains.Patients;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using static Hl7.Fhir.Model.AuditEvent;

namespace Identity.Api.Apis;

/// <summary>
/// Passkey registration, sign-in and management (WebAuthn Level 3 through ASP.NET Core Identity).
/// Ceremony endpoints take and return the browser's JSON forms unchanged: options for
/// <c>PublicKeyCredential.parseCreationOptionsFromJSON</c>/<c>parseRequestOptionsFromJSON</c>, and <c>credential.toJSON()</c> back.
/// Every verified ceremony, refusal and change is recorded in the audit trail before the reply (<see cref="PatientEvents"/>).
/// </summary>
public static class PasskeyApi
{
    public const string AuthenticationRateLimit = "authentication";

    public static IEndpointRouteBuilder MapPasskeyApi(this IEndpointRouteBuilder app)
    {
        var ceremonies = app.MapGroup("/api/passkeys")
            .WithTags("Passkeys")
            .RequireAuthenticationRateLimit()
            .AddEndpointFilter<SameOriginFilter>();

        ceremonies.MapPost("/register/options", RegistrationOptions)
            .WithSummary("Creation options for a new patient's first passkey (creates the patient, identity unverified).");
        ceremonies.MapPost("/register", Register)
            .WithSummary("Verifies the new patient's first passkey (credential.toJSON()) and signs them in at AAL2.");
        ceremonies.MapPost("/sign-in/options", SignInOptions)
            .WithSummary("Request options for a modal or conditional (autofill) passkey sign-in.");
        ceremonies.MapPost("/sign-in", SignIn)
            .WithSummary("Verifies a passkey assertion (credential.toJSON()) and signs the patient in at AAL2.");

        var mine = app.MapGroup("/api/passkeys")
            .WithTags("Passkeys")
            .RequireAuthorization()
            .AddEndpointFilter<SameOriginFilter>();

        mine.MapGet("/", List).WithSummary("The signed-in patient's passkeys, removed ones included.");
        mine.MapPost("/options", AddOptions)
            .RequireAuthenticationRateLimit()
            .WithSummary("Creation options for another passkey; needs a sign-in within the last 15 minutes.");
        mine.MapPost("/", Add)
            .RequireAuthenticationRateLimit()
            .WithSummary("Adds another passkey; needs a sign-in within the last 15 minutes.");
        mine.MapPatch("/{id}", Rename).WithSummary("Renames a passkey.");
        mine.MapDelete("/{id}", Remove).WithSummary("Removes (revokes) a passkey; the last one cannot be removed.");

        var account = app.MapGroup("/api/account").WithTags("Account").AddEndpointFilter<SameOriginFilter>();
        account.MapGet("/me", Me).RequireAuthorization().WithSummary("The signed-in patient and how they authenticated.");
        account.MapPost("/sign-out", SignOut).WithSummary("Ends the session.");
        return app;
    }

    private static async Task<IResult> RegistrationOptions(
        HttpRequest request, SignInManager<PatientUser> signIn, UserManager<PatientUser> users)
    {
        var (body, problem) = await RequestBody.ReadAsync<RegistrationOptionsRequest>(request);
        if (problem is not null)
        {
            return problem;
        }
        var label = string.IsNullOrWhiteSpace(body!.Nickname) ? "IdentityConsent account" : body.Nickname.Trim();
        if (label.Length > 64)
        {
            return Problems.BadRequest("nickname_too_long", "The nickname may have at most 64 characters.");
        }
        // A random UUID v4 is the patient's hl7_person_identifier; the nickname goes to the authenticator only, it is not stored.
        var patient = new PatientUser(Guid.NewGuid());
        await users.CreateAsync(patient);
        var options = await signIn.MakePasskeyCreationOptionsAsync(new PasskeyUserEntity
        {
            Id = patient.Id,
            Name = label,
            DisplayName = label,
        });
        return Results.Content(options, "application/json");
    }

    private static async Task<IResult> Register(
        HttpContext http, SignInManager<PatientUser> signIn, UserManager<PatientUser> users,
        PatientEvents events, TimeProvider time)
    {
        var (credential, problem) = await RequestBody.ReadJsonTextAsync(http.Request, RequestBody.MaxCredentialBytes);
        if (problem is not null)
        {
            return problem;
        }
        var attestation = await AttestAsync(signIn, credential!);
        if (!attestation.Succeeded)
        {
            await events.PasskeyRejectedAsync(http, "registration", null, AuditEventAction.C, null, PasskeyFailure.CodeFor(attestation.Failure));
            return PasskeyFailure.Rejected(attestation.Failure);
        }
        if (await users.FindByIdAsync(attestation.UserEntity.Id) is not { } patient)
        {
            return await RejectedAsync(events, http, "registration", null, AuditEventAction.C,
                Problems.BadRequest("patient_not_found", "The registration was not started here; request new options."));
        }
        if (patient.Snapshot!.ActivePasskeys.Any())
        {
            return await RejectedAsync(events, http, "registration", patient.PersonIdentifier, AuditEventAction.C,
                Problems.Conflict("already_registered", "This account already has a passkey; sign in and add another passkey from 'My passkeys'."));
        }
        var audited = await events.AccountCreatingAsync(http, patient.PersonIdentifier);
        if (await StoreAsync(users, patient, attestation.Passkey) is { } refused)
        {
            await events.NotAppliedAsync(http, audited, CodeOf(refused));
            return refused;
        }
        await SignInAsync(signIn, patient, attestation.Passkey, time);
        return TypedResults.Created($"/api/passkeys/{Base64Url.EncodeToString(attestation.Passkey.CredentialId)}",
            new RegistrationResponse(patient.Id, PasskeySummary.FromOrNull(await users.GetPasskeyRecordAsync(patient, attestation.Passkey.CredentialId))));
    }

    private static async Task<IResult> SignInOptions(SignInManager<PatientUser> signIn) =>
        Results.Content(await signIn.MakePasskeyRequestOptionsAsync(null), "application/json");

    private static async Task<IResult> SignIn(
        HttpContext http, SignInManager<PatientUser> signIn, UserManager<PatientUser> users,
        PatientEvents events, TimeProvider time)
    {
        var (credential, problem) = await RequestBody.ReadJsonTextAsync(http.Request, RequestBody.MaxCredentialBytes);
        if (problem is not null)
        {
            return problem;
        }
        var assertion = await AssertAsync(signIn, credential!);
        if (!assertion.Succeeded)
        {
            var (owner, credentialId) = await ClaimedOwnerAsync(users, credential!);
            await events.SignInFailedAsync(http, owner, credentialId, PasskeyFailure.CodeFor(assertion.Failure));
            return PasskeyFailure.Rejected(assertion.Failure);
        }
        var audited = await events.SigningInAsync(http, assertion.User.PersonIdentifier, assertion.Passkey.CredentialId);
        if (await StoreAsync(users, assertion.User, assertion.Passkey) is { } refused)
        {
            await events.NotAppliedAsync(http, audited, CodeOf(refused));
            return refused;
        }
        await SignInAsync(signIn, assertion.User, assertion.Passkey, time);
        return TypedResults.Ok(new SignInResponse(assertion.User.Id));
    }

    private static async Task<IResult> List(HttpContext http, UserManager<PatientUser> users)
    {
        if (await CurrentPatientAsync(http, users) is not { } patient)
        {
            return TypedResults.Unauthorized();
        }
        return TypedResults.Ok(patient.Snapshot!.Passkeys.Select(PasskeySummary.From).ToArray());
    }

    private static async Task<IResult> AddOptions(HttpContext http, SignInManager<PatientUser> signIn, UserManager<PatientUser> users, TimeProvider time)
    {
        if (await CurrentPatientAsync(http, users) is not { } patient)
        {
            return TypedResults.Unauthorized();
        }
        if (!PatientSession.IsFresh(http.User, time.GetUtcNow()))
        {
            return ReauthenticationRequired();
        }
        var options = await signIn.MakePasskeyCreationOptionsAsync(new PasskeyUserEntity
        {
            Id = patient.Id,
            Name = "IdentityConsent account",
            DisplayName = "IdentityConsent account",
        });
        return Results.Content(options, "application/json");
    }

    private static async Task<IResult> Add(HttpContext http, SignInManager<PatientUser> signIn, UserManager<PatientUser> users,
        PatientEvents events, TimeProvider time)
    {
        if (await CurrentPatientAsync(http, users) is not { } patient)
        {
            return TypedResults.Unauthorized();
        }
        if (!PatientSession.IsFresh(http.User, time.GetUtcNow()))
        {
            return ReauthenticationRequired();
        }
        var (credential, problem) = await RequestBody.ReadJsonTextAsync(http.Request, RequestBody.MaxCredentialBytes);
        if (problem is not null)
        {
            return problem;
        }
        var attestation = await AttestAsync(signIn, credential!);
        if (!attestation.Succeeded)
        {
            await events.PasskeyRejectedAsync(http, "add", patient.PersonIdentifier, AuditEventAction.C, null, PasskeyFailure.CodeFor(attestation.Failure));
            return PasskeyFailure.Rejected(attestation.Failure);
        }
        if (attestation.UserEntity.Id != patient.Id)
        {
            return await RejectedAsync(events, http, "add", patient.PersonIdentifier, AuditEventAction.C,
                Problems.BadRequest("passkey_ceremony_mismatch", "These options were made for another account; request new options."));
        }
        var audited = await events.PasskeyAddingAsync(http, patient.PersonIdentifier, attestation.Passkey.CredentialId);
        if (await StoreAsync(users, patient, attestation.Passkey) is { } refused)
        {
            await events.NotAppliedAsync(http, audited, CodeOf(refused));
            return refused;
        }
        var id = Base64Url.EncodeToString(attestation.Passkey.CredentialId);
        return TypedResults.Created($"/api/passkeys/{id}", PasskeySummary.FromOrNull(await users.GetPasskeyRecordAsync(patient, attestation.Passkey.CredentialId)));
    }

    private static async Task<IResult> Rename(string id, HttpContext http, UserManager<PatientUser> users, IGrainFactory grains, PatientEvents events)
    {
        if (await CurrentPatientAsync(http, users) is not { } patient)
        {
            return TypedResults.Unauthorized();
        }
        var (body, problem) = await RequestBody.ReadAsync<RenamePasskeyRequest>(http.Request);
        if (problem is not null)
        {
            return problem;
        }
        var name = body!.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 64)
        {
            return Problems.BadRequest("invalid_passkey_name", "A passkey name must have 1 to 64 characters.");
        }
        if (!TryDecodeId(id, out var credentialId))
        {
            return Problems.NotFound("passkey_not_found", "No such passkey on this account.");
        }
        if (patient.Snapshot!.FindPasskey(credentialId) is not { IsActive: true })
        {
            return await RejectedAsync(events, http, "rename", patient.PersonIdentifier, AuditEventAction.U,
                PasskeyFailure.Refused(PasskeyChange.PasskeyNotFound), credentialId);
        }
        var audited = await events.PasskeyRenamingAsync(http, patient.PersonIdentifier, credentialId);
        var change = await grains.GetGrain<IPatientGrain>(patient.PersonIdentifier).RenamePasskeyAsync(credentialId, name);
        return change == PasskeyChange.Done ? TypedResults.NoContent() : await NotAppliedAsync(events, http, audited, PasskeyFailure.Refused(change));
    }

    private static async Task<IResult> Remove(string id, HttpContext http, UserManager<PatientUser> users, IGrainFactory grains, PatientEvents events)
    {
        if (await CurrentPatientAsync(http, users) is not { } patient)
        {
            return TypedResults.Unauthorized();
        }
        if (!TryDecodeId(id, out var credentialId))
        {
            return Problems.NotFound("passkey_not_found", "No such passkey on this account.");
        }
        // Refusals the snapshot already shows are audited as refused, not as a removal that then did not happen.
        var refusal = patient.Snapshot!.FindPasskey(credentialId) is not { IsActive: true } ? PasskeyChange.PasskeyNotFound
            : patient.Snapshot.ActivePasskeys.Count() == 1 ? PasskeyChange.LastPasskey
            : PasskeyChange.Done;
        if (refusal != PasskeyChange.Done)
        {
            return await RejectedAsync(events, http, "remove", patient.PersonIdentifier, AuditEventAction.D, PasskeyFailure.Refused(refusal), credentialId);
        }
        var audited = await events.PasskeyRemovingAsync(http, patient.PersonIdentifier, credentialId);
        var change = await grains.GetGrain<IPatientGrain>(patient.PersonIdentifier).RevokePasskeyAsync(credentialId);
        return change == PasskeyChange.Done ? TypedResults.NoContent() : await NotAppliedAsync(events, http, audited, PasskeyFailure.Refused(change));
    }

    private static async Task<IResult> Me(HttpContext http, UserManager<PatientUser> users)
    {
        if (await CurrentPatientAsync(http, users) is not { } patient)
        {
            return TypedResults.Unauthorized();
        }
        return TypedResults.Ok(new AccountResponse(
            patient.Id,
            patient.Snapshot!.Assurance == IdentityAssurance.Ial2 ? "ial2" : "unverified",
            PatientSession.AuthTime(http.User),
            [.. http.User.FindAll(PatientSession.AmrClaim).Select(c => c.Value)]));
    }

    private static async Task<NoContent> SignOut(SignInManager<PatientUser> signIn)
    {
        await signIn.SignOutAsync();
        return TypedResults.NoContent();
    }

    // SignInManager throws when no ceremony state cookie came with the request (options never requested, or expired).
    private static async Task<PasskeyAttestationResult> AttestAsync(SignInManager<PatientUser> signIn, string credential)
    {
        try
        {
            return await signIn.PerformPasskeyAttestationAsync(credential);
        }
        catch (InvalidOperationException)
        {
            return PasskeyAttestationResult.Fail(NoCeremony());
        }
    }

    private static async Task<PasskeyAssertionResult<PatientUser>> AssertAsync(SignInManager<PatientUser> signIn, string credential)
    {
        try
        {
            return await signIn.PerformPasskeyAssertionAsync(credential);
        }
        catch (InvalidOperationException)
        {
            return PasskeyAssertionResult.Fail<PatientUser>(NoCeremony());
        }
    }

    private static async Task<IResult> RejectedAsync(PatientEvents events, HttpContext http, string ceremony, Guid? patient,
        AuditEventAction action, IResult problem, byte[]? credentialId = null)
    {
        await events.PasskeyRejectedAsync(http, ceremony, patient, action, credentialId, CodeOf(problem));
        return problem;
    }

    private static async Task<IResult> NotAppliedAsync(PatientEvents events, HttpContext http, Hl7.Fhir.Model.AuditEvent audited, IResult problem)
    {
        await events.NotAppliedAsync(http, audited, CodeOf(problem));
        return problem;
    }

    private static string CodeOf(IResult problem) =>
        (problem as ProblemHttpResult)?.ProblemDetails.Extensions.TryGetValue("code", out var code) == true && code is string text ? text : "refused";

    // A failed sign-in is filed in the chain of the account whose passkey was presented, when there is one.
    private static async Task<(Guid? Owner, byte[]? CredentialId)> ClaimedOwnerAsync(UserManager<PatientUser> users, string credential)
    {
        try
        {
            var rawId = PublicKeyCredentialJson.Parse(credential).RawId;
            return ((await users.FindByPasskeyIdAsync(rawId))?.PersonIdentifier, rawId);
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException)
        {
            return (null, null);
        }
    }

    private static PasskeyException NoCeremony() =>
        new("There is no passkey ceremony in progress: request new options first.");

    private static async Task<IResult?> StoreAsync(UserManager<PatientUser> users, PatientUser patient, UserPasskeyInfo passkey)
    {
        try
        {
            var result = await users.AddOrUpdatePasskeyAsync(patient, passkey);
            return result.Succeeded ? null : Problems.BadRequest("passkey_not_stored", "The passkey could not be stored.",
                string.Join(" ", result.Errors.Select(e => e.Description)));
        }
        catch (PasskeyChangeRefusedException refused)
        {
            return PasskeyFailure.Refused(refused.Change);
        }
    }

    private static Task SignInAsync(SignInManager<PatientUser> signIn, PatientUser patient, UserPasskeyInfo passkey, TimeProvider time) =>
        signIn.SignInWithClaimsAsync(patient, new AuthenticationProperties { IsPersistent = false },
            PatientSession.SignInClaims(passkey, time.GetUtcNow()));

    private static async Task<PatientUser?> CurrentPatientAsync(HttpContext http, UserManager<PatientUser> users) =>
        PatientSession.PersonIdentifier(http.User) is { } id ? await users.FindByIdAsync(id.ToString("D")) : null;

    private static async Task<PasskeyRecord?> GetPasskeyRecordAsync(this UserManager<PatientUser> users, PatientUser patient, byte[] credentialId) =>
        (await users.FindByIdAsync(patient.Id))?.Snapshot?.FindPasskey(credentialId);

    private static IResult ReauthenticationRequired() => Problems.Create(StatusCodes.Status403Forbidden, "reauthentication_required",
        "Sign in again to change your passkeys.", "Adding a passkey needs a passkey sign-in within the last 15 minutes.");

    private static bool TryDecodeId(string id, out byte[] credentialId)
    {
        credentialId = [];
        if (id.Length > 1400 || !Base64Url.IsValid(id))
        {
            return false;
        }
        credentialId = Base64Url.DecodeFromChars(id);
        return true;
    }
}
