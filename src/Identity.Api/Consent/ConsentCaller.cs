using System.Collections.Immutable;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Authentication;
using Identity.Api.Passkeys;
using Identity.Api.Tokens;
using Identity.Grains.Consent;
using OpenIddict.Abstractions;
using OpenIddict.Validation.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Identity.Api.Consent;

/// <summary>
/// Who calls the consent APIs: a patient signed in with a passkey (cookie), or a client with a bearer access token from
/// the token service, checked by its validation stack (token and authorization entries, so revoked tokens fail).
/// SMART scopes decide what a token may do: <c>patient/Consent.*</c> on its own patient's consents,
/// <c>system/Consent.rs</c> on anyone's (compliance), <c>consent.decide</c> for the decision services.
/// </summary>
public sealed record ConsentCaller(Guid? Patient, string? ClientId, ImmutableHashSet<string> Scopes, bool IsSignedInPatient)
{
    public const string DecideScope = "consent.decide";

    /// <summary>How the change author is recorded: the patient, or the client.</summary>
    public string Author => IsSignedInPatient || ClientId is null ? $"Patient/{Patient:D}" : ConsentCodes.ClientActor(ClientId);

    public ResourceReference Requestor => IsSignedInPatient || ClientId is null
        ? new ResourceReference($"Patient/{Patient:D}")
        : new ResourceReference { Identifier = new Identifier(ConsentCodes.ClientSystem, ClientId) };

    public bool MayRead(Guid patient) => Patient == patient && (IsSignedInPatient || HasSmart("patient", 'r')) || HasSmart("system", 'r');

    public bool MaySearch(Guid? patient) => patient is { } one && Patient == one && (IsSignedInPatient || HasSmart("patient", 's')) || HasSmart("system", 's');

    public bool MayWrite(Guid patient, char permission) => Patient == patient && (IsSignedInPatient || HasSmart("patient", permission));

    public bool MayDecide => Scopes.Contains(DecideScope);

    private bool HasSmart(string context, char permission) => Scopes.Any(s =>
        SmartScope.Parse(s) is { } smart && smart.Context == context && smart.ResourceType is "Consent" or "*" && smart.Permissions.Contains(permission));

    /// <summary>The caller, or null when a bearer token was sent and is not valid (401) or nobody is signed in.</summary>
    public static async Task<ConsentCaller?> ResolveAsync(HttpContext http)
    {
        if (http.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var result = await http.AuthenticateAsync(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme);
            if (!result.Succeeded || result.Principal is not { } token)
            {
                return null;
            }
            var clientId = token.GetClaim(Claims.ClientId) ?? token.GetPresenters().FirstOrDefault();
            var patient = token.GetAuthorizationId() is { } authorizationId
                ? await http.RequestServices.GetRequiredService<IOpenIddictAuthorizationManager>().PatientOfAsync(authorizationId, http.RequestAborted)
                : null;
            return new ConsentCaller(patient, clientId, [.. token.GetScopes()], IsSignedInPatient: false);
        }
        return PatientSession.PersonIdentifier(http.User) is { } signedIn
            ? new ConsentCaller(signedIn, null, [], IsSignedInPatient: true)
            : null;
    }
}
