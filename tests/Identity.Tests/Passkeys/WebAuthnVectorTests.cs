using System.Text.Json;
using Identity.Api.Passkeys;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Identity.Tests.Passkeys;

/// <summary>Every entry of shared/vectors/webauthn/manifest.json, replayed through the service's passkey handler.</summary>
public sealed class WebAuthnVectorTests
{
    public static TheoryData<string> Entries() => [.. WebAuthnVector.Ids];

    /// <summary>Each mutation in the vectors' README maps to exactly one problem code.</summary>
    private static readonly Dictionary<string, string> ExpectedCodes = new()
    {
        ["wrong-origin"] = "passkey_origin_mismatch",
        ["wrong-challenge"] = "passkey_challenge_mismatch",
        ["wrong-type"] = "passkey_wrong_ceremony_type",
        ["type-create"] = "passkey_wrong_ceremony_type",
        ["malformed-clientdatajson"] = "passkey_malformed_client_data",
        ["wrong-rpidhash"] = "passkey_rp_id_mismatch",
        ["uv-cleared"] = "passkey_user_verification_required",
        ["up-cleared"] = "passkey_user_presence_required",
        ["truncated-attestationobject"] = "passkey_malformed_attestation",
        ["alg-not-allowed"] = "passkey_algorithm_not_allowed",
        ["bad-signature"] = "passkey_signature_invalid",
        ["signcount-regression"] = "passkey_sign_count_regressed",
        ["signcount-regression-resigned"] = "passkey_sign_count_regressed",
        ["credential-not-registered"] = "passkey_unknown_credential",
        ["userhandle-mismatch"] = "passkey_user_handle_mismatch",
        ["be-flag-changed"] = "passkey_backup_flags_invalid",
        ["bs-without-be"] = "passkey_backup_flags_invalid",
    };

    [Theory]
    [MemberData(nameof(Entries))]
    public async Task Vector_is_judged_as_the_manifest_says(string id)
    {
        var vector = WebAuthnVector.Load(id);
        var (succeeded, failure, passkey) = await ReplayAsync(vector);

        Assert.True(succeeded == vector.ShouldAccept,
            $"{id}: expected {(vector.ShouldAccept ? "accept" : "reject")}, got {(succeeded ? "accept" : $"reject ({failure?.Message})")}");
        if (!succeeded)
        {
            var mutation = vector.Entry.GetProperty("id").GetString()!.Split('.')[^1];
            Assert.Equal(ExpectedCodes[mutation], PasskeyFailure.CodeFor(failure!));
            return;
        }
        var expected = vector.Expected;
        Assert.Equal(WebAuthnVector.Bytes(expected.GetProperty("credentialId")), passkey!.CredentialId);
        var flags = expected.GetProperty("flags");
        Assert.Equal(flags.GetProperty("UV").GetBoolean(), passkey.IsUserVerified);
        Assert.Equal(flags.GetProperty("BE").GetBoolean(), passkey.IsBackupEligible);
        Assert.Equal(flags.GetProperty("BS").GetBoolean(), passkey.IsBackedUp);
        if (vector.IsRegistration)
        {
            Assert.Equal(WebAuthnVector.Bytes(expected.GetProperty("publicKeyCose")), passkey.PublicKey);
            Assert.Equal(expected.GetProperty("signCount").GetUInt32(), passkey.SignCount);
            var record = PatientUserStore.ToRecord(passkey, DateTimeOffset.UnixEpoch);
            Assert.Equal(expected.GetProperty("alg").GetInt32(), record.Algorithm);
            Assert.Equal(Guid.Parse(expected.GetProperty("aaguid").GetString()!), record.Aaguid);
        }
        else
        {
            Assert.Equal(expected.GetProperty("newSignCount").GetUInt32(), passkey.SignCount);
        }
    }

    [Fact]
    public async Task A_challenge_is_accepted_only_once()
    {
        var vector = WebAuthnVector.Load("es256.authentication.modal");
        await using var services = Services(vector);
        var ledger = services.GetRequiredService<IPasskeyChallengeLedger>();

        var first = await ReplayAsync(vector, services);
        var replay = await ReplayAsync(vector, services);

        Assert.True(first.Succeeded);
        Assert.False(replay.Succeeded);
        Assert.Equal("passkey_challenge_reused", PasskeyFailure.CodeFor(replay.Failure!));
        Assert.Equal(ChallengeUse.AlreadyUsed, await ledger.TryConsumeAsync(vector.Challenge, DateTimeOffset.UtcNow));
    }

    [Fact]
    public async Task EdDsa_is_offered_after_ES256_in_creation_options()
    {
        var vector = WebAuthnVector.Load("es256.registration");
        await using var services = Services(vector);
        await using var scope = services.CreateAsyncScope();
        var handler = scope.ServiceProvider.GetRequiredService<IPasskeyHandler<PatientUser>>();

        var options = await handler.MakeCreationOptionsAsync(
            new PasskeyUserEntity { Id = Guid.NewGuid().ToString(), Name = "n", DisplayName = "n" }, HttpContextFor(vector, scope.ServiceProvider));

        using var json = JsonDocument.Parse(options.CreationOptionsJson);
        var algorithms = json.RootElement.GetProperty("pubKeyCredParams").EnumerateArray().Select(p => p.GetProperty("alg").GetInt32());
        Assert.Equal([-7, -8, -257], algorithms);
        Assert.Equal("IdentityConsent", json.RootElement.GetProperty("rp").GetProperty("name").GetString());
    }

    private static async Task<(bool Succeeded, PasskeyException? Failure, UserPasskeyInfo? Passkey)> ReplayAsync(WebAuthnVector vector)
    {
        await using var services = Services(vector);
        return await ReplayAsync(vector, services);
    }

    private static async Task<(bool Succeeded, PasskeyException? Failure, UserPasskeyInfo? Passkey)> ReplayAsync(
        WebAuthnVector vector, ServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var handler = scope.ServiceProvider.GetRequiredService<IPasskeyHandler<PatientUser>>();
        var http = HttpContextFor(vector, scope.ServiceProvider);
        var challenge = Convert.ToBase64String(vector.Challenge);
        if (vector.IsRegistration)
        {
            var options = vector.Case.GetProperty("options");
            var state = JsonSerializer.Serialize(new
            {
                challenge,
                userEntity = new
                {
                    id = vector.RegistrationUserId,
                    name = options.GetProperty("user").GetProperty("name").GetString(),
                    displayName = options.GetProperty("user").GetProperty("displayName").GetString(),
                },
            });
            var result = await handler.PerformAttestationAsync(new PasskeyAttestationContext
            {
                HttpContext = http,
                CredentialJson = vector.CredentialJson,
                AttestationState = PasskeyCeremonyState.Envelope(state, DateTimeOffset.UtcNow),
            });
            return (result.Succeeded, result.Failure, result.Succeeded ? result.Passkey : null);
        }
        var assertion = await handler.PerformAssertionAsync(new PasskeyAssertionContext
        {
            HttpContext = http,
            CredentialJson = vector.CredentialJson,
            AssertionState = PasskeyCeremonyState.Envelope(
                JsonSerializer.Serialize(new { challenge, userId = vector.IsModal ? vector.OwnerId : null }), DateTimeOffset.UtcNow),
        });
        return (assertion.Succeeded, assertion.Failure, assertion.Succeeded ? assertion.Passkey : null);
    }

    private static ServiceProvider Services(WebAuthnVector vector)
    {
        var store = new VectorPasskeyStore();
        if (!vector.IsRegistration)
        {
            var stored = vector.StoredCredential;
            store.Add(new PatientUser(Guid.Parse(vector.OwnerId)), new UserPasskeyInfo(
                WebAuthnVector.Bytes(stored.GetProperty("credentialId")),
                WebAuthnVector.Bytes(stored.GetProperty("publicKeyCose")),
                DateTimeOffset.UnixEpoch,
                stored.GetProperty("signCount").GetUInt32(),
                [.. stored.GetProperty("transports").EnumerateArray().Select(t => t.GetString()!)],
                isUserVerified: true,
                stored.GetProperty("backupEligible").GetBoolean(),
                stored.GetProperty("backupState").GetBoolean(),
                attestationObject: [],
                clientDataJson: []));
        }
        var allowed = vector.AllowedAlgorithms;
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IUserPasskeyStore<PatientUser>>(store);
        services.AddIdentityCore<PatientUser>().AddUserStore<VectorPasskeyStore>();
        services.AddSingleton<IUserStore<PatientUser>>(store);
        services.AddOptions<IdentityPasskeyOptions>().Configure(options =>
        {
            PasskeyHostingExtensions.ConfigureRelyingParty(options, new PasskeySettings { ServerDomain = vector.RpId, Origins = [vector.Origin] });
            options.IsAllowedAlgorithm = allowed.Contains;
        });
        services.AddScoped<PasskeyHandler<PatientUser>>();
        services.AddSingleton<WebAuthnCeremonyChecks>();
        services.AddSingleton<Ed25519RegistrationVerifier>();
        services.AddSingleton<PasskeyAssertionVerifier>();
        services.AddSingleton<Identity.Api.Passkeys.WebAuthn.CredentialKeyCache>();
        services.AddScoped<IPasskeyHandler<PatientUser>, PatientPasskeyHandler>();
        services.AddSingleton<IPasskeyChallengeLedger, InMemoryPasskeyChallengeLedger>();
        return services.BuildServiceProvider(validateScopes: true);
    }

    private static DefaultHttpContext HttpContextFor(WebAuthnVector vector, IServiceProvider services)
    {
        var origin = new Uri(vector.Origin);
        var http = new DefaultHttpContext { RequestServices = services };
        http.Request.Scheme = origin.Scheme;
        http.Request.Host = new HostString(origin.Host, origin.Port);
        http.Request.Headers.Origin = vector.Origin;
        return http;
    }
}
