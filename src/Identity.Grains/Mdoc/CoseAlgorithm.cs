namespace Identity.Grains.Mdoc;

/// <summary>The COSE algorithms the verifier accepts (the allow-list); anything else is <see cref="MdocError.UnsupportedAlgorithm"/>.</summary>
public enum CoseAlgorithm
{
    ES256 = -7,
    ES384 = -35,
    ES512 = -36,
    EdDSA = -8,
    HMAC256 = 5,
}
