using System.Security.Cryptography;
using System.Text;
using Identity.Api.Passkeys.WebAuthn;
using Microsoft.AspNetCore.Identity;

namespace Identity.Api.Passkeys;

/// <summary>
/// WebAuthn authentication (§7.2) for every algorithm the profile allows (ES256, EdDSA, RS256). Identity's own
/// handler imports the credential key afresh on every sign-in, which costs twice the signature check; here loaded
/// keys come from <see cref="CredentialKeyCache"/>. The WebAuthn vectors hold both paths to the same verdicts.
/// </summary>
public sealed class PasskeyAssertionVerifier(WebAuthnCeremonyChecks checks, CredentialKeyCache keys)
{
    public async Task<PasskeyAssertionResult<PatientUser>> VerifyAsync(
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
        await checks.VerifyClientDataAsync(credential.ClientDataJson, "webauthn.get", state.Challenge, context.HttpContext);
        AuthenticatorData authenticatorData;
        try
        {
            authenticatorData = AuthenticatorData.Parse(credential.AuthenticatorData);
        }
        catch (Exception e) when (e is FormatException or System.Formats.Cbor.CborContentException)
        {
            throw new PasskeyException($"The authenticator data had an invalid format: {e.Message}");
        }
        checks.VerifyAuthenticatorData(authenticatorData, context.HttpContext);
        if (authenticatorData.BackupEligible != stored.IsBackupEligible)
        {
            throw new PasskeyException(stored.IsBackupEligible
                ? "The stored credential is eligible for backup, but the provided credential was unexpectedly ineligible for backup."
                : "The stored credential is ineligible for backup, but the provided credential was unexpectedly eligible for backup.");
        }
        CredentialPublicKey key;
        try
        {
            key = keys.Get(stored.PublicKey);
        }
        catch (Exception e) when (e is CryptographicException or System.Formats.Cbor.CborContentException or InvalidOperationException)
        {
            throw new PasskeyException("The credential public key was invalid.");
        }
        var signedData = new byte[credential.AuthenticatorData.Length + SHA256.HashSizeInBytes];
        credential.AuthenticatorData.CopyTo(signedData, 0);
        SHA256.HashData(credential.ClientDataJson, signedData.AsSpan(credential.AuthenticatorData.Length));
        if (!key.Verify(signedData, credential.Signature))
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
}
