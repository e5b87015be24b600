using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using Identity.Api.Passkeys;
using Identity.Api.Passkeys.WebAuthn;

namespace Identity.Bench;

/// <summary>
/// The non-cryptographic steps of one ES256 sign-in, each alone, to see where the time outside the signature goes.
/// <see cref="PatientPasskeyHandler"/> runs the first three before handing over to Identity, which parses again.
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
public class AssertionPartsBenchmarks
{
    private SignedAssertion _assertion = null!;
    private byte[] _clientDataJson = [];
    private byte[] _cosePublicKey = [];
    private ECParameters _ecParameters;

    [GlobalSetup]
    public void Setup()
    {
        var authenticator = SoftwareAuthenticator.CreateEs256(Guid.NewGuid().ToString("D"));
        var challenge = RandomNumberGenerator.GetBytes(32);
        var state = PasskeyCeremonyState.Envelope($$"""{"challenge":"{{Convert.ToBase64String(challenge)}}","userId":null}""", DateTimeOffset.UtcNow);
        _assertion = authenticator.Assert(challenge, state);
        _clientDataJson = PublicKeyCredentialJson.Parse(_assertion.CredentialJson).ClientDataJson;
        _cosePublicKey = authenticator.CosePublicKey;
        _ecParameters = authenticator.EcPublicKey!.Value;
    }

    [Benchmark]
    public PasskeyCeremonyState ParseCeremonyState() => PasskeyCeremonyState.Parse(_assertion.AssertionState);

    [Benchmark]
    public PublicKeyCredentialJson ParseCredentialJson() => PublicKeyCredentialJson.Parse(_assertion.CredentialJson);

    [Benchmark]
    public CoseKey DecodeCoseKey() => CoseKey.Decode(_cosePublicKey);

    [Benchmark]
    public CollectedClientData ParseClientData() => CollectedClientData.Parse(_clientDataJson);

    [Benchmark]
    public byte[] HashClientDataAndRpId()
    {
        _ = SHA256.HashData(Encoding.UTF8.GetBytes(SoftwareAuthenticator.RpId));
        return SHA256.HashData(_clientDataJson);
    }

    [Benchmark]
    public void ImportP256PublicKey()
    {
        using var key = ECDsa.Create(_ecParameters);
    }
}
