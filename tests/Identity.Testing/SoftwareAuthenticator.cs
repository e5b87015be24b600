using System.Buffers.Binary;
using System.Buffers.Text;
using System.Formats.Cbor;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Identity.Testing;

/// <summary>
/// A test and benchmark WebAuthn authenticator (never for production use) with one ES256 credential: answers creation and request options the way
/// a browser's <c>toJSON()</c> would, so HTTP tests can run whole ceremonies without a browser.
/// </summary>
public sealed class SoftwareAuthenticator(string origin, bool synced = false) : IDisposable
{
    private static readonly Guid Aaguid = Guid.Parse("6d44ba9b-f6ec-2e49-b930-0c8fe920cb73");

    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public byte[] CredentialId { get; } = RandomNumberGenerator.GetBytes(32);

    public string CredentialIdText => Base64Url.EncodeToString(CredentialId);

    public uint SignCount { get; set; }

    /// <summary>The account the credential belongs to; a fresh authenticator holds a credential of some other account.</summary>
    public string? UserHandle { get; private set; } = Guid.NewGuid().ToString();

    public bool UserVerified { get; set; } = true;

    /// <summary>Makes this authenticator's credential belong to the same account as <paramref name="other"/>'s.</summary>
    public void UserHandleFrom(SoftwareAuthenticator other) => UserHandle = other.UserHandle;

    /// <summary>Answers creation options with a "none" attestation.</summary>
    public string Create(string creationOptionsJson)
    {
        using var options = JsonDocument.Parse(creationOptionsJson);
        var root = options.RootElement;
        var rpId = root.GetProperty("rp").GetProperty("id").GetString()!;
        UserHandle = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(root.GetProperty("user").GetProperty("id").GetString()!));
        var clientData = ClientData("webauthn.create", root.GetProperty("challenge").GetString()!);
        SignCount++;
        var authenticatorData = AuthenticatorData(rpId, attested: true);
        var attestation = new CborWriter(CborConformanceMode.Ctap2Canonical);
        attestation.WriteStartMap(3);
        attestation.WriteTextString("fmt");
        attestation.WriteTextString("none");
        attestation.WriteTextString("attStmt");
        attestation.WriteStartMap(0);
        attestation.WriteEndMap();
        attestation.WriteTextString("authData");
        attestation.WriteByteString(authenticatorData);
        attestation.WriteEndMap();
        return new JsonObject
        {
            ["id"] = CredentialIdText,
            ["rawId"] = CredentialIdText,
            ["type"] = "public-key",
            ["authenticatorAttachment"] = "platform",
            ["clientExtensionResults"] = new JsonObject(),
            ["response"] = new JsonObject
            {
                ["clientDataJSON"] = Base64Url.EncodeToString(clientData),
                ["attestationObject"] = Base64Url.EncodeToString(attestation.Encode()),
                ["transports"] = new JsonArray("internal"),
            },
        }.ToJsonString();
    }

    /// <summary>Answers request options with a signed assertion.</summary>
    public string Get(string requestOptionsJson)
    {
        using var options = JsonDocument.Parse(requestOptionsJson);
        var root = options.RootElement;
        var clientData = ClientData("webauthn.get", root.GetProperty("challenge").GetString()!);
        SignCount++;
        var authenticatorData = AuthenticatorData(root.GetProperty("rpId").GetString()!, attested: false);
        var signed = authenticatorData.Concat(SHA256.HashData(clientData)).ToArray();
        var signature = _key.SignData(signed, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        return new JsonObject
        {
            ["id"] = CredentialIdText,
            ["rawId"] = CredentialIdText,
            ["type"] = "public-key",
            ["authenticatorAttachment"] = "platform",
            ["clientExtensionResults"] = new JsonObject(),
            ["response"] = new JsonObject
            {
                ["clientDataJSON"] = Base64Url.EncodeToString(clientData),
                ["authenticatorData"] = Base64Url.EncodeToString(authenticatorData),
                ["signature"] = Base64Url.EncodeToString(signature),
                ["userHandle"] = UserHandle is null ? null : Base64Url.EncodeToString(Encoding.UTF8.GetBytes(UserHandle)),
            },
        }.ToJsonString();
    }

    public void Dispose() => _key.Dispose();

    private byte[] ClientData(string type, string challenge) => JsonSerializer.SerializeToUtf8Bytes(new
    {
        type,
        challenge,
        origin,
        crossOrigin = false,
    });

    private byte[] AuthenticatorData(string rpId, bool attested)
    {
        var data = new List<byte>(SHA256.HashData(Encoding.UTF8.GetBytes(rpId)));
        byte flags = 0x01;
        if (UserVerified)
        {
            flags |= 0x04;
        }
        if (synced)
        {
            flags |= 0x08 | 0x10;
        }
        if (attested)
        {
            flags |= 0x40;
        }
        data.Add(flags);
        var count = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(count, SignCount);
        data.AddRange(count);
        if (attested)
        {
            data.AddRange(Aaguid.ToByteArray(bigEndian: true));
            data.Add((byte)(CredentialId.Length >> 8));
            data.Add((byte)CredentialId.Length);
            data.AddRange(CredentialId);
            data.AddRange(CoseKey());
        }
        return [.. data];
    }

    private byte[] CoseKey()
    {
        var parameters = _key.ExportParameters(includePrivateParameters: false);
        var writer = new CborWriter(CborConformanceMode.Ctap2Canonical);
        writer.WriteStartMap(5);
        writer.WriteInt32(1);
        writer.WriteInt32(2);
        writer.WriteInt32(3);
        writer.WriteInt32(-7);
        writer.WriteInt32(-1);
        writer.WriteInt32(1);
        writer.WriteInt32(-2);
        writer.WriteByteString(parameters.Q.X!);
        writer.WriteInt32(-3);
        writer.WriteByteString(parameters.Q.Y!);
        writer.WriteEndMap();
        return writer.Encode();
    }
}
