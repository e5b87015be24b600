using System.Formats.Cbor;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Identity.Api.Hosting;
using Identity.Api.Passkeys.WebAuthn;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Identity.Api.Passkeys;

/// <summary>
/// Wraps ASP.NET Core Identity's passkey handler with what the profile needs beyond it:
/// every challenge is single use; Ed25519 (EdDSA) credentials are offered and registered by
/// <see cref="Ed25519RegistrationVerifier"/>; assertions of registered credentials are verified by
/// <see cref="PasskeyAssertionVerifier"/> with cached keys. Everything else is Identity's own verification.
/// </summary>
public sealed class PatientPasskeyHandler(
    PasskeyHandler<PatientUser> identity,
    Ed25519RegistrationVerifier ed25519,
    PasskeyAssertionVerifier assertions,
    IPasskeyChallengeLedger challenges,
    UserManager<PatientUser> users,
    IOptions<IdentityPasskeyOptions> options,
    TimeProvider time) : IPasskeyHandler<PatientUser>
{
    private const int Es256 = -7;
    private const string RelyingPartyName = "IdentityConsent";

    public async Task<PasskeyCreationOptionsResult> MakeCreationOptionsAsync(PasskeyUserEntity userEntity, HttpContext httpContext)
    {
        await challenges.PrepareAsync(httpContext.RequestAborted);
        var result = await identity.MakeCreationOptionsAsync(userEntity, httpContext);
        var offerEdDsa = options.Value.IsAllowedAlgorithm?.Invoke(CoseKey.AlgorithmEdDsa) != false;
        return new PasskeyCreationOptionsResult
        {
            CreationOptionsJson = Complete(result.CreationOptionsJson, offerEdDsa),
            AttestationState = PasskeyCeremonyState.Envelope(result.AttestationState ?? throw new InvalidOperationException("Identity made no attestation state."), time.GetUtcNow()),
        };
    }

    public async Task<PasskeyRequestOptionsResult> MakeRequestOptionsAsync(PatientUser? user, HttpContext httpContext)
    {
        await challenges.PrepareAsync(httpContext.RequestAborted);
        var result = await identity.MakeRequestOptionsAsync(user, httpContext);
        return new PasskeyRequestOptionsResult
        {
            RequestOptionsJson = result.RequestOptionsJson,
            AssertionState = PasskeyCeremonyState.Envelope(result.AssertionState ?? throw new InvalidOperationException("Identity made no assertion state."), time.GetUtcNow()),
        };
    }

    public async Task<PasskeyAttestationResult> PerformAttestationAsync(PasskeyAttestationContext context)
    {
        try
        {
            var state = PasskeyCeremonyState.Parse(context.AttestationState);
            await ConsumeAsync(state, context.HttpContext.RequestAborted);
            if (TryReadEd25519Registration(context.CredentialJson) is { } registration)
            {
                return await ed25519.VerifyAsync(context, state, registration.Credential,
                    registration.Attestation, registration.AuthenticatorData, registration.Key);
            }
            return ThrowIfOutage(await identity.PerformAttestationAsync(new PasskeyAttestationContext
            {
                HttpContext = context.HttpContext,
                CredentialJson = context.CredentialJson,
                AttestationState = state.IdentityState,
            }), r => r.Failure);
        }
        catch (PasskeyException e)
        {
            return PasskeyAttestationResult.Fail(e);
        }
    }

    public async Task<PasskeyAssertionResult<PatientUser>> PerformAssertionAsync(PasskeyAssertionContext context)
    {
        try
        {
            var state = PasskeyCeremonyState.Parse(context.AssertionState);
            await ConsumeAsync(state, context.HttpContext.RequestAborted);
            // Unknown credentials and malformed input go to Identity, which names precisely what is wrong.
            var credential = TryParse(context.CredentialJson);
            if (credential is not null
                && await users.FindByPasskeyIdAsync(credential.RawId) is { } owner
                && await users.GetPasskeyAsync(owner, credential.RawId) is { } stored)
            {
                return await assertions.VerifyAsync(context, state, credential, owner, stored);
            }
            return ThrowIfOutage(await identity.PerformAssertionAsync(new PasskeyAssertionContext
            {
                HttpContext = context.HttpContext,
                CredentialJson = context.CredentialJson,
                AssertionState = state.IdentityState,
            }), r => r.Failure);
        }
        catch (PasskeyException e)
        {
            return PasskeyAssertionResult.Fail<PatientUser>(e);
        }
    }

    private async Task ConsumeAsync(PasskeyCeremonyState state, CancellationToken cancellationToken)
    {
        switch (await challenges.TryConsumeAsync(state.Challenge, state.IssuedAt, cancellationToken))
        {
            case ChallengeUse.AlreadyUsed:
                throw new PasskeyException("The passkey challenge has already been used; request new options.");
            case ChallengeUse.PredatesLedger:
                throw new PasskeyException("The passkey challenge predates the service's challenge memory (it restarted); request new options.");
        }
    }

    // Malformed input is left to Identity, whose failure messages say precisely what is wrong.
    private static (PublicKeyCredentialJson Credential, AttestationObject Attestation, AuthenticatorData AuthenticatorData, CoseKey Key)?
        TryReadEd25519Registration(string credentialJson)
    {
        try
        {
            var credential = PublicKeyCredentialJson.Parse(credentialJson);
            if (credential.AttestationObject is null)
            {
                return null;
            }
            var attestation = AttestationObject.Decode(credential.AttestationObject);
            var authenticatorData = AuthenticatorData.Parse(attestation.AuthenticatorData);
            if (authenticatorData.CredentialPublicKey is null)
            {
                return null;
            }
            var key = CoseKey.Decode(authenticatorData.CredentialPublicKey);
            return key.KeyType == CoseKey.KeyTypeOkp ? (credential, attestation, authenticatorData, key) : null;
        }
        catch (Exception e) when (e is FormatException or JsonException or CborContentException or InvalidOperationException)
        {
            return null;
        }
    }

    private static PublicKeyCredentialJson? TryParse(string credentialJson)
    {
        try
        {
            return PublicKeyCredentialJson.Parse(credentialJson);
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return null;
        }
    }


    // Identity names the RP after its domain and offers only the algorithms it can verify itself;
    // EdDSA goes right after ES256 so ES256 stays the preferred choice.
    private static string Complete(string creationOptionsJson, bool offerEdDsa)
    {
        var options = JsonNode.Parse(creationOptionsJson)!.AsObject();
        if (options["rp"] is JsonObject rp)
        {
            rp["name"] = RelyingPartyName;
        }
        if (offerEdDsa && options["pubKeyCredParams"] is JsonArray parameters
            && !parameters.Any(p => p?["alg"]?.GetValue<int>() == CoseKey.AlgorithmEdDsa))
        {
            var es256 = parameters.Select((p, i) => (p, i)).FirstOrDefault(x => x.p?["alg"]?.GetValue<int>() == Es256);
            var position = es256.p is null ? 0 : es256.i + 1;
            parameters.Insert(position, new JsonObject { ["type"] = "public-key", ["alg"] = CoseKey.AlgorithmEdDsa });
        }
        return options.ToJsonString();
    }

    // Identity reports any exception as a failed ceremony ("An unexpected error occurred"); a storage or cluster outage
    // must stay an outage (503, try again), not become a rejected passkey (400) that the client gives up on.
    private static T ThrowIfOutage<T>(T result, Func<T, PasskeyException?> failure)
    {
        if (failure(result)?.InnerException is { } inner && ClusterUnavailableHandler.Classify(inner) is not null)
        {
            ExceptionDispatchInfo.Throw(inner);
        }
        return result;
    }
}
