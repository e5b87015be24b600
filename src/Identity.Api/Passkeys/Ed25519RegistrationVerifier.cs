using System.Security.Cryptography;
using Identity.Api.Passkeys.WebAuthn;
using Microsoft.AspNetCore.Identity;

namespace Identity.Api.Passkeys;

/// <summary>
/// WebAuthn registration (§7.1) of Ed25519 (COSE alg -8) credentials, which ASP.NET Core Identity 10 cannot load;
/// every other algorithm is registered by Identity itself.
/// </summary>
public sealed class Ed25519RegistrationVerifier(WebAuthnCeremonyChecks checks, TimeProvider time)
{
    public async Task<PasskeyAttestationResult> VerifyAsync(
        PasskeyAttestationContext context, PasskeyCeremonyState state, PublicKeyCredentialJson credential,
        AttestationObject attestation, AuthenticatorData authenticatorData, CoseKey key)
    {
        if (state.UserEntity is null)
        {
            throw new PasskeyException("The attestation state did not include a user entity.");
        }
        await checks.VerifyClientDataAsync(credential.ClientDataJson, "webauthn.create", state.Challenge, context.HttpContext);
        checks.VerifyAuthenticatorData(authenticatorData, context.HttpContext);
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
        if (checks.Options.IsAllowedAlgorithm is { } allowed && !allowed(key.Algorithm))
        {
            throw new PasskeyException("The credential public key algorithm does not match any of the supported algorithms.");
        }
        if (checks.Options.VerifyAttestationStatement is { } verifyStatement && !await verifyStatement(new PasskeyAttestationStatementVerificationContext
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
            credential.Transports,
            authenticatorData.UserVerified,
            authenticatorData.BackupEligible,
            authenticatorData.BackedUp,
            credential.AttestationObject!,
            credential.ClientDataJson);
        return PasskeyAttestationResult.Success(passkey, state.UserEntity);
    }
}
