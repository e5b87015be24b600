using System.Security.Cryptography;
using System.Text;
using Identity.Api.Passkeys.WebAuthn;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Identity.Api.Passkeys;

/// <summary>
/// The client-data and authenticator-data checks of WebAuthn §7.1/§7.2 shared by the service's own verifiers.
/// Failure messages mirror ASP.NET Core Identity's, so <see cref="PasskeyFailure"/> gives both paths the same codes.
/// </summary>
public sealed class WebAuthnCeremonyChecks(IOptions<IdentityPasskeyOptions> options)
{
    public IdentityPasskeyOptions Options => options.Value;

    public async Task VerifyClientDataAsync(byte[] clientDataJson, string expectedType, byte[] expectedChallenge, HttpContext http)
    {
        CollectedClientData clientData;
        try
        {
            clientData = CollectedClientData.Parse(clientDataJson);
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException)
        {
            throw new PasskeyException($"The client data JSON had an invalid format: {e.Message}");
        }
        if (clientData.Type != expectedType)
        {
            throw new PasskeyException($"Expected the client data JSON 'type' field to be '{expectedType}', got '{clientData.Type}'.");
        }
        if (!CryptographicOperations.FixedTimeEquals(clientData.Challenge, expectedChallenge))
        {
            throw new PasskeyException("The authenticator response challenge does not match original challenge.");
        }
        var validate = Options.ValidateOrigin ?? throw new InvalidOperationException("IdentityPasskeyOptions.ValidateOrigin must be configured.");
        if (!await validate(new PasskeyOriginValidationContext
        {
            HttpContext = http,
            Origin = clientData.Origin,
            CrossOrigin = clientData.CrossOrigin,
            TopOrigin = clientData.TopOrigin,
        }))
        {
            throw new PasskeyException($"The authenticator response had an invalid origin '{clientData.Origin}'.");
        }
    }

    public void VerifyAuthenticatorData(AuthenticatorData data, HttpContext http)
    {
        var rpId = Options.ServerDomain ?? http.Request.Host.Host;
        if (!CryptographicOperations.FixedTimeEquals(data.RpIdHash, SHA256.HashData(Encoding.UTF8.GetBytes(rpId))))
        {
            throw new PasskeyException("The authenticator data included an invalid Relying Party ID hash.");
        }
        if (!data.UserPresent)
        {
            throw new PasskeyException("The authenticator data flags did not include the 'UserPresent' flag.");
        }
        if (Options.UserVerificationRequirement == "required" && !data.UserVerified)
        {
            throw new PasskeyException("User verification is required, but the authenticator data flags did not have the 'UserVerified' flag.");
        }
        if (data.BackedUp && !data.BackupEligible)
        {
            throw new PasskeyException("The credential is backed up, but the authenticator data flags did not have the 'BackupEligible' flag.");
        }
    }
}
