using System.Security.Cryptography;
using NSec.Cryptography;

namespace Identity.Api.Passkeys.WebAuthn;

/// <summary>
/// A credential public key loaded once for signature checks (WebAuthn §6.5.6 algorithms ES256, EdDSA, RS256).
/// Loading costs about twice a verification with OpenSSL, so loaded keys are cached by <see cref="CredentialKeyCache"/>.
/// </summary>
public abstract class CredentialPublicKey : IDisposable
{
    public static CredentialPublicKey Load(CoseKey key) => key switch
    {
        { IsEs256: true } => new Ecdsa(key),
        { IsEd25519: true } => new Ed25519(key),
        { IsRs256: true } => new Rsa(key),
        _ => throw new CryptographicException($"COSE key type {key.KeyType} with algorithm {key.Algorithm} is not supported."),
    };

    /// <summary>Checks an assertion signature over <c>authenticatorData || SHA-256(clientDataJSON)</c>.</summary>
    public abstract bool Verify(ReadOnlySpan<byte> signedData, ReadOnlySpan<byte> signature);

    public virtual void Dispose() => GC.SuppressFinalize(this);

    private sealed class Ecdsa(CoseKey key) : CredentialPublicKey
    {
        private readonly ECDsa _key = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = key.X, Y = key.Y },
        });

        // One ECDsa instance is not documented as safe for concurrent use.
        public override bool Verify(ReadOnlySpan<byte> signedData, ReadOnlySpan<byte> signature)
        {
            lock (_key)
            {
                return _key.VerifyData(signedData, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
            }
        }

        public override void Dispose()
        {
            _key.Dispose();
            base.Dispose();
        }
    }

    private sealed class Rsa(CoseKey key) : CredentialPublicKey
    {
        private readonly RSA _key = RSA.Create(new RSAParameters { Modulus = key.Modulus, Exponent = key.Exponent });

        public override bool Verify(ReadOnlySpan<byte> signedData, ReadOnlySpan<byte> signature)
        {
            lock (_key)
            {
                return _key.VerifyData(signedData, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            }
        }

        public override void Dispose()
        {
            _key.Dispose();
            base.Dispose();
        }
    }

    private sealed class Ed25519(CoseKey key) : CredentialPublicKey
    {
        private readonly PublicKey _key = PublicKey.Import(SignatureAlgorithm.Ed25519, key.X, KeyBlobFormat.RawPublicKey);

        public override bool Verify(ReadOnlySpan<byte> signedData, ReadOnlySpan<byte> signature) =>
            SignatureAlgorithm.Ed25519.Verify(_key, signedData, signature);
    }
}
