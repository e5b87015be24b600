using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Identity.Grains.Patients;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Identity.Api.Tokens;

/// <summary>The claims of a patient's tokens, as PROFILES.md ("Tokens") lists them, and where each one goes.</summary>
public sealed class PatientClaims(PairwiseSubject subjects, TokenSettings settings)
{
    public string Subject(Guid patientId, ClientProfile client) =>
        client.PublicSubject ? subjects.Public(patientId) : subjects.For(patientId, client.Sector);

    public ClaimsIdentity Create(PatientSnapshot patient, ClientProfile client, PatientSignIn signIn, string? acr,
        IReadOnlyCollection<string> scopes, IReadOnlyCollection<string> resources, OpenIddictRequest request, Uri issuer)
    {
        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, Subject(patient.PersonIdentifier, client));
        identity.AddClaim(new Claim(Claims.AuthenticationTime, signIn.AuthTime.ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer64));
        identity.SetClaims(Claims.AuthenticationMethodReference, [.. signIn.Amr]);
        identity.SetClaim(TokenClaims.SessionId, subjects.Session(patient.PersonIdentifier, signIn.AuthTime));
        if (acr is not null)
        {
            identity.SetClaim(Claims.AuthenticationContextReference, acr);
        }
        if (scopes.Contains(TokenScopes.PersonIdentifier))
        {
            identity.SetClaim(TokenScopes.PersonIdentifier, patient.PersonIdentifier.ToString("D"));
        }
        if (scopes.Contains(TokenScopes.FhirUser))
        {
            identity.SetClaim(TokenScopes.FhirUser, $"{FhirBase(issuer)}/Patient/{patient.PersonIdentifier:D}");
        }
        if (scopes.Contains(TokenScopes.LaunchPatient))
        {
            identity.SetClaim(TokenClaims.LaunchPatient, patient.PersonIdentifier.ToString("D"));
        }
        if (patient.VerifiedIdentity is { } verified)
        {
            if (scopes.Contains(Scopes.Profile))
            {
                identity.SetClaim(Claims.GivenName, verified.GivenName)
                    .SetClaim(Claims.FamilyName, verified.FamilyName)
                    .SetClaim(Claims.Birthdate, verified.BirthDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            }
            if (VerifiedClaims.Requested(request, "id_token") is { } forIdToken)
            {
                identity.AddClaim(new Claim(TokenClaims.VerifiedClaims,
                    VerifiedClaims.Build(verified, forIdToken).ToJsonString(), JsonClaimValueTypes.Json));
            }
            if (VerifiedClaims.Requested(request, "userinfo") is { } forUserInfo)
            {
                identity.SetClaim(TokenClaims.VerifiedClaimsRequest, string.Join(' ', forUserInfo.Prepend("verification")));
            }
        }
        identity.SetScopes(scopes);
        identity.SetResources(resources);
        identity.SetDestinations(DestinationsOf);
        return identity;
    }

    public string FhirBase(Uri issuer) => (settings.FhirBaseUrl ?? new Uri(issuer, "fhir")).AbsoluteUri.TrimEnd('/');

    /// <summary>Where each claim goes: identity claims to both tokens, profile and verified_claims to the ID token only.</summary>
    public static IEnumerable<string> DestinationsOf(Claim claim) => claim.Type switch
    {
        Claims.Subject or Claims.AuthenticationContextReference or Claims.AuthenticationMethodReference or Claims.AuthenticationTime
            or TokenClaims.SessionId or TokenScopes.PersonIdentifier or TokenScopes.FhirUser
            => [Destinations.AccessToken, Destinations.IdentityToken],
        Claims.GivenName or Claims.FamilyName or Claims.Birthdate or TokenClaims.VerifiedClaims => [Destinations.IdentityToken],
        TokenClaims.VerifiedClaimsRequest or TokenClaims.Actor => [Destinations.AccessToken],
        // The launch patient travels in the code and refresh token only and is returned beside the access token.
        _ => [],
    };
}
