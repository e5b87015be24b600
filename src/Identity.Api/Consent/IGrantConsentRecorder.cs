using System.Security.Claims;
using Identity.Api.Tokens;

namespace Identity.Api.Consent;

/// <summary>
/// The token service's hook into the patient's consents ("Every OAuth grant is a FHIR Consent", ARCHITECTURE.md):
/// the scopes the patient's consents deny are taken out of a request before the consent screen and out of every token
/// request, and an approval on the consent screen is written as a Consent linked to the OpenIddict authorization.
/// </summary>
public interface IGrantConsentRecorder
{
    /// <summary>Removes from an authorization request the scopes (and networks) the patient's consents deny this app.</summary>
    Task NarrowAsync(Guid patient, string clientId, ISet<string> scopes, ISet<string> resources, List<NetworkRegistration> networks, CancellationToken cancellationToken = default);

    /// <summary>Removes from a token about to be issued (code or refresh grant) the scopes the patient's consents now deny.</summary>
    Task NarrowAsync(ClaimsIdentity token, CancellationToken cancellationToken = default);

    /// <summary>
    /// Whether the Consent recording the authorization is in force and until when; if not, why the grant has ended (no
    /// Consent records it, the Consent was withdrawn, or its period is over), and the authorization and its tokens are then
    /// revoked.
    /// </summary>
    Task<GrantStanding> StandingAsync(string authorizationId, CancellationToken cancellationToken = default);

    /// <summary>Writes the Consent for an approval: actor = the app and its networks, purpose PATRQT, scopes as data classes; returns its id.</summary>
    Task<string> RecordAsync(Guid patient, ClientProfile client, IReadOnlyList<NetworkRegistration> networks, IEnumerable<string> scopes, string authorizationId, CancellationToken cancellationToken = default);

    /// <summary>Undoes an approval that could not be completed: revokes the authorization and withdraws its Consent if one was written.</summary>
    Task AbandonAsync(Guid patient, string authorizationId, string? consentId);
}
