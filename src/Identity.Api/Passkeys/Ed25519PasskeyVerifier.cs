using System.Security.Cryptography;
using System.Text;
using Identity.Api.Passkeys.WebAuthn;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using NSec.Cryptography;

namespace Identity.Api.Passkeys;

/// <summary>
/// WebAuthn registration (§7.1) and authentication (§7.2) for Ed25519 (COSE alg -8) credentials, which
/// ASP.NET Core Identity 10 cannot load. The checks and their failure messages mirror Identity's so both
/// paths behave the same; the signature is checked with libsodium through NSec.
/// </summary>
public sealed class Ed25519PasskeyVerifier(IOptions<IdentityPasskeyOptions> options, TimeProvider time)
{
    private static readonly SignatureAlgorithm Ed25519 = SignatureAlgorithm.Ed25519;

    private IdentityPasskeyOptions Options => options.Value;

    public async Task<PasskeyAttestationResult> VerifyAttestationAsync(
        PasskeyAttestationContext context, PasskeyCeremonyState state, PublicKeyCredentialJson credential,
        AttestationObject attestation, AuthenticatorData authenticatorData, CoseKey key)
    {
        if (state.UserEntity is null)
        {
            throw new PasskeyException("The attestation state did not include a user entity.");
        }
        await VerifyClientDataAsync(credential.ClientDataJson, "webauthn.create", state.Challenge, context.HttpContext);
        VerifyAuthenticatorData(authenticatorData, context.HttpContext);
        if (authenticatorData.CredentialId is null || authenticatorData.CredentialPublicKey is null)
        {
            throw new PasskeyException("The attestation object did not include attested credential data.");
        }
        if (!authenticatorData.CredentialId.AsSpan().SequenceEqual(credential.RawId))
        {
            throw new PasskeyException("The provided credential ID does not match the credential ID in the attested credential data.");
        }
        if (!key.IsEd25519)
        {
            throw new PasskeyException("The credential public key was invalid.");
        }
        if (Options.IsAllowedAlgorithm is { } allowed && !allowed(key.Algorithm))
        {
            throw new PasskeyException("The credential public key algorithm does not match any of the supported algorithms.");
        }
        if (Options.VerifyAttestationStatement is { } verifyStatement && !await verifyStatement(new PasskeyAttestationStatementVerificationContext
        {
            HttpContext = context.HttpContext,
            AttestationObject = credential.AttestationObject,
            ClientDataHash = SHA256.HashData(credential.ClientDataJson),
        }))
        {
            throw new PasskeyException($"The attestation statement of format '{attestation.Format}' was not valid.");
        }
        var passkey = new UserPasskeyInfo(
            authenticatorData.CredentialId,
            authenticatorData.CredentialPublicKey,
            time.GetUtcNow(),
            authenticatorData.SignCount,
            Transports(context.CredentialJson),
            authenticatorData.UserVerified,
            authenticatorData.BackupEligible,
            authenticatorData.BackedUp,
            credential.AttestationObject!,
            credential.ClientDataJson);
        return PasskeyAttestationResult.Success(passkey, state.UserEntity);
    }

    public async Task<PasskeyAssertionResult<PatientUser>> VerifyAssertionAsync(
        PasskeyAssertionContext context, PasskeyCeremonyState state, PublicKeyCredentialJson credential,
        PatientUser owner, UserPasskeyInfo stored)
    {
        if (state.UserId is { } expectedUser && expectedUser != owner.Id)
        {
            throw new PasskeyException("The provided credential does not belong to the specified user.");
        }
        if (credential.UserHandle is { } handle && Encoding.UTF8.GetString(handle) != owner.Id)
        {
            throw new PasskeyException("The provided user handle does not match the credential's user handle.");
        }
        if (credential.AuthenticatorData is null || credential.Signature is null)
        {
            throw new PasskeyException("The assertion response is missing authenticator data or a signature.");
        }
        await VerifyClientDataAsync(credential.ClientDataJson, "webauthn.get", state.Challenge, context.HttpContext);
        var authenticatorData = WebAuthn.AuthenticatorData.Parse(credential.AuthenticatorData);
        VerifyAuthenticatorData(authenticatorData, context.HttpContext);
        if (authenticatorData.BackupEligible != stored.IsBackupEligible)
        {
            throw new PasskeyException(stored.IsBackupEligible
                ? "The stored credential is eligible for backup, but the provided credential was unexpectedly ineligible for backup."
                : "The stored credential is ineligible for backup, but the provided credential was unexpectedly eligible for backup.");
        }
        var key = CoseKey.Decode(stored.PublicKey);
        if (!key.IsEd25519)
        {
            throw new PasskeyException("The credential public key was invalid.");
        }
        var signedData = new byte[credential.AuthenticatorData.Length + SHA256.HashSizeInBytes];
        credential.AuthenticatorData.CopyTo(signedData, 0);
        SHA256.HashData(credential.ClientDataJson, signedData.AsSpan(credential.AuthenticatorData.Length));
        var publicKey = PublicKey.Import(Ed25519, key.X, KeyBlobFormat.RawPublicKey);
        if (!Ed25519.Verify(publicKey, signedData, credential.Signature))
        {
            throw new PasskeyException("The assertion signature was invalid.");
        }
        if ((stored.SignCount != 0 || authenticatorData.SignCount != 0) && authenticatorData.SignCount <= stored.SignCount)
        {
            throw new PasskeyException("The authenticator's signature counter is unexpectedly less than or equal to the stored signature counter.");
        }
        stored.SignCount = authenticatorData.SignCount;
        stored.IsBackedUp = authenticatorData.BackedUp;
        stored.IsUserVerified = authenticatorData.UserVerified;
        return PasskeyAssertionResult.Success(stored, owner);
    }

    private async Task VerifyClientDataAsync(byte[] clientDataJson, string expectedType, byte[] expectedChallenge, HttpContext http)
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

    private void VerifyAuthenticatorData(AuthenticatorData data, HttpContext http)
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

    private static string[] Transports(string credentialJson)
    {
        using var document = System.Text.Json.JsonDocument.Parse(credentialJson, PublicKeyCredentialJson.DocumentOptions);
        return document.RootElement.TryGetProperty("response", out var response)
            && response.TryGetProperty("transports", out var transports)
            && transports.ValueKind == System.Text.Json.JsonValueKind.Array
            ? [.. transports.EnumerateArray().Where(t => t.ValueKind == System.Text.Json.JsonValueKind.String).Select(t => t.GetString()!).Take(8)]
            : [];
    }
}
