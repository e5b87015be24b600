using System.Buffers.Binary;
using System.Buffers.Text;
using System.Formats.Cbor;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using NSec.Cryptography;

namespace Identity.Bench;

/// <summary>
/// A platform authenticator in software (bench only): holds one discoverable credential and signs
/// <c>navigator.credentials.get()</c> responses exactly as a browser returns them from <c>toJSON()</c>.
/// </summary>
public sealed class SoftwareAuthenticator
{
    public const string RpId = "localhost";
    public const string Origin = "http://localhost:5173";

    // UP | UV: user present and verified, not backup eligible.
    private const byte Flags = 0x05;

    private static readonly byte[] RpIdHash = SHA256.HashData(Encoding.UTF8.GetBytes(RpId));

    private readonly Func<byte[], byte[]> _sign;
    private readonly byte[] _userHandle;
    private uint _signCount;

    private SoftwareAuthenticator(Func<byte[], byte[]> sign, byte[] cosePublicKey, string userId)
    {
        _sign = sign;
        CosePublicKey = cosePublicKey;
        CredentialId = RandomNumberGenerator.GetBytes(32);
        _userHandle = Encoding.UTF8.GetBytes(userId);
    }

    public byte[] CredentialId { get; }

    public byte[] CosePublicKey { get; }

    /// <summary>The P-256 public key, for ES256 authenticators.</summary>
    public ECParameters? EcPublicKey { get; private init; }

    /// <summary>The raw 32-byte public key, for Ed25519 authenticators.</summary>
    public byte[]? Ed25519PublicKey { get; private init; }

    public static SoftwareAuthenticator CreateEs256(string userId)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var publicKey = key.ExportParameters(includePrivateParameters: false);
        var cose = new CborWriter(CborConformanceMode.Ctap2Canonical);
        cose.WriteStartMap(5);
        cose.WriteInt32(1); cose.WriteInt32(2);     // kty: EC2
        cose.WriteInt32(3); cose.WriteInt32(-7);    // alg: ES256
        cose.WriteInt32(-1); cose.WriteInt32(1);    // crv: P-256
        cose.WriteInt32(-2); cose.WriteByteString(publicKey.Q.X!);
        cose.WriteInt32(-3); cose.WriteByteString(publicKey.Q.Y!);
        cose.WriteEndMap();
        return new SoftwareAuthenticator(
            data => key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence),
            cose.Encode(),
            userId)
        {
            EcPublicKey = publicKey,
        };
    }

    public static SoftwareAuthenticator CreateEd25519(string userId)
    {
        var algorithm = SignatureAlgorithm.Ed25519;
        var key = Key.Create(algorithm);
        var publicKey = key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        var cose = new CborWriter(CborConformanceMode.Ctap2Canonical);
        cose.WriteStartMap(4);
        cose.WriteInt32(1); cose.WriteInt32(1);     // kty: OKP
        cose.WriteInt32(3); cose.WriteInt32(-8);    // alg: EdDSA
        cose.WriteInt32(-1); cose.WriteInt32(6);    // crv: Ed25519
        cose.WriteInt32(-2); cose.WriteByteString(publicKey);
        cose.WriteEndMap();
        return new SoftwareAuthenticator(data => algorithm.Sign(key, data), cose.Encode(), userId)
        {
            Ed25519PublicKey = publicKey,
        };
    }

    /// <summary>Signs a response to <paramref name="challenge"/> with the next signature counter.</summary>
    public SignedAssertion Assert(byte[] challenge, string assertionState)
    {
        var clientDataJson = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["type"] = "webauthn.get",
            ["challenge"] = Base64Url.EncodeToString(challenge),
            ["origin"] = Origin,
            ["crossOrigin"] = false,
        });
        var authenticatorData = new byte[37];
        RpIdHash.CopyTo(authenticatorData, 0);
        authenticatorData[32] = Flags;
        BinaryPrimitives.WriteUInt32BigEndian(authenticatorData.AsSpan(33), ++_signCount);
        byte[] signedData = [.. authenticatorData, .. SHA256.HashData(clientDataJson)];
        var signature = _sign(signedData);
        var id = Base64Url.EncodeToString(CredentialId);
        var credentialJson = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["id"] = id,
            ["rawId"] = id,
            ["type"] = "public-key",
            ["response"] = new Dictionary<string, string>
            {
                ["clientDataJSON"] = Base64Url.EncodeToString(clientDataJson),
                ["authenticatorData"] = Base64Url.EncodeToString(authenticatorData),
                ["signature"] = Base64Url.EncodeToString(signature),
                ["userHandle"] = Base64Url.EncodeToString(_userHandle),
            },
            ["authenticatorAttachment"] = "platform",
            ["clientExtensionResults"] = new Dictionary<string, object>(),
        });
        return new SignedAssertion(credentialJson, assertionState, signedData, signature);
    }
}
