using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using Identity.Api.Passkeys;
using Identity.Api.Passkeys.WebAuthn;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using NSec.Cryptography;

namespace Identity.Bench;

/// <summary>
/// Server-side verification of one passkey sign-in (<see cref="PatientPasskeyHandler.PerformAssertionAsync"/>)
/// against the bare signature check it contains. Ratio is relative to the raw verify of the same algorithm.
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class PasskeyAssertionBenchmarks
{
    private const int PoolSize = 1024;

    private readonly DefaultHttpContext _http = new();
    private ServiceProvider _services = null!;
    private AsyncServiceScope _scope;
    private IPasskeyHandler<PatientUser> _handler = null!;
    private PasskeyHandler<PatientUser> _identityHandler = null!;
    private SignedAssertion[] _es256ForIdentity = [];
    private SignedAssertion[] _es256 = [];
    private SignedAssertion[] _ed25519 = [];
    private int _nextEs256;
    private int _nextEd25519;
    private ECDsa _ecdsa = null!;
    private ECParameters _ecParameters;
    private NSec.Cryptography.PublicKey _ed25519Key = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var store = new InMemoryPatientPasskeyStore();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Production });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"{PasskeySettings.Section}:ServerDomain"] = SoftwareAuthenticator.RpId,
            [$"{PasskeySettings.Section}:Origins:0"] = SoftwareAuthenticator.Origin,
        });
        // The production wiring, with the grain-backed store and the single-use ledger swapped for bench-only ones.
        builder.AddPatientPasskeys();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.Replace(ServiceDescriptor.Singleton<IUserStore<PatientUser>>(store));
        builder.Services.Replace(ServiceDescriptor.Singleton<IPasskeyChallengeLedger, AcceptingChallengeLedger>());
        _services = builder.Services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = false });
        _scope = _services.CreateAsyncScope();
        _handler = _scope.ServiceProvider.GetRequiredService<IPasskeyHandler<PatientUser>>();
        if (_handler is not PatientPasskeyHandler)
        {
            throw new InvalidOperationException($"Expected {nameof(PatientPasskeyHandler)}, got {_handler.GetType()}.");
        }
        _identityHandler = _scope.ServiceProvider.GetRequiredService<PasskeyHandler<PatientUser>>();

        _http.RequestServices = _scope.ServiceProvider;
        _http.Request.Scheme = "http";
        _http.Request.Host = new HostString("localhost:5173");
        _http.Request.Headers.Origin = SoftwareAuthenticator.Origin;

        var es256 = SoftwareAuthenticator.CreateEs256(store.Patient.Id);
        var ed25519 = SoftwareAuthenticator.CreateEd25519(store.Patient.Id);
        store.Passkeys.Add(Registered(es256));
        store.Passkeys.Add(Registered(ed25519));
        _es256 = await SignPoolAsync(es256);
        _ed25519 = await SignPoolAsync(ed25519);

        _ecParameters = es256.EcPublicKey!.Value;
        _ecdsa = ECDsa.Create(_ecParameters);
        _ed25519Key = NSec.Cryptography.PublicKey.Import(SignatureAlgorithm.Ed25519, ed25519.Ed25519PublicKey, KeyBlobFormat.RawPublicKey);

        // Every pooled assertion must verify, through both entry points, or the benchmark would time a failure path.
        foreach (var assertion in _es256.Concat(_ed25519))
        {
            await EnsureSucceededAsync(_handler, assertion);
        }
        // Identity's own handler reads its own state, without this service's envelope (issue time).
        _es256ForIdentity = [.. _es256.Select(a => a with { AssertionState = PasskeyCeremonyState.Parse(a.AssertionState).IdentityState })];
        foreach (var assertion in _es256ForIdentity)
        {
            await EnsureSucceededAsync(_identityHandler, assertion);
        }
        if (!RawEcdsaP256Verify() || !RawEcdsaP256VerifyWithKeyImport() || !RawEd25519Verify())
        {
            throw new InvalidOperationException("A raw signature check failed.");
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _ecdsa.Dispose();
        await _scope.DisposeAsync();
        await _services.DisposeAsync();
    }

    [Benchmark(Baseline = true), BenchmarkCategory("ES256")]
    public bool RawEcdsaP256Verify()
    {
        var assertion = _es256[0];
        return _ecdsa.VerifyData(assertion.SignedData, assertion.Signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
    }

    // What Identity does per assertion: a new ECDsa from the stored COSE key, then the verify.
    [Benchmark, BenchmarkCategory("ES256")]
    public bool RawEcdsaP256VerifyWithKeyImport()
    {
        var assertion = _es256[0];
        using var key = ECDsa.Create(_ecParameters);
        return key.VerifyData(assertion.SignedData, assertion.Signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
    }

    [Benchmark, BenchmarkCategory("ES256")]
    public async Task<bool> PasskeyAssertion() =>
        (await _handler.PerformAssertionAsync(Context(_es256[_nextEs256++ % PoolSize]))).Succeeded;

    // Identity's handler alone: no single-use ledger, no pre-parse to route Ed25519 credentials.
    [Benchmark, BenchmarkCategory("ES256")]
    public async Task<bool> IdentityHandlerOnly() =>
        (await _identityHandler.PerformAssertionAsync(Context(_es256ForIdentity[_nextEs256++ % PoolSize]))).Succeeded;

    [Benchmark(Baseline = true), BenchmarkCategory("Ed25519")]
    public bool RawEd25519Verify()
    {
        var assertion = _ed25519[0];
        return SignatureAlgorithm.Ed25519.Verify(_ed25519Key, assertion.SignedData, assertion.Signature);
    }

    [Benchmark, BenchmarkCategory("Ed25519")]
    public async Task<bool> PasskeyAssertionEd25519() =>
        (await _handler.PerformAssertionAsync(Context(_ed25519[_nextEd25519++ % PoolSize]))).Succeeded;

    private PasskeyAssertionContext Context(SignedAssertion assertion) => new()
    {
        HttpContext = _http,
        CredentialJson = assertion.CredentialJson,
        AssertionState = assertion.AssertionState,
    };

    private async Task EnsureSucceededAsync(IPasskeyHandler<PatientUser> handler, SignedAssertion assertion)
    {
        var result = await handler.PerformAssertionAsync(Context(assertion));
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"{handler.GetType().Name} refused a pooled assertion: {result.Failure?.Message}");
        }
    }

    // Challenges and ceremony state come from the handler itself (Identity's state in this service's envelope).
    private async Task<SignedAssertion[]> SignPoolAsync(SoftwareAuthenticator authenticator)
    {
        var pool = new SignedAssertion[PoolSize];
        for (var i = 0; i < pool.Length; i++)
        {
            var options = await _handler.MakeRequestOptionsAsync(null, _http);
            using var json = JsonDocument.Parse(options.RequestOptionsJson);
            var challenge = Base64Url.DecodeFromChars(json.RootElement.GetProperty("challenge").GetString());
            pool[i] = authenticator.Assert(challenge, options.AssertionState
                ?? throw new InvalidOperationException("Identity returned no assertion state."));
        }
        return pool;
    }

    private static UserPasskeyInfo Registered(SoftwareAuthenticator authenticator) => new(
        authenticator.CredentialId,
        authenticator.CosePublicKey,
        DateTimeOffset.UtcNow,
        signCount: 0,
        transports: ["internal"],
        isUserVerified: true,
        isBackupEligible: false,
        isBackedUp: false,
        attestationObject: [],
        clientDataJson: [])
    {
        Name = CoseKey.Decode(authenticator.CosePublicKey).Algorithm == CoseKey.AlgorithmEdDsa ? "Ed25519" : "ES256",
    };
}
