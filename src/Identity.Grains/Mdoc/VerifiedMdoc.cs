namespace Identity.Grains.Mdoc;

/// <summary>One document of a DeviceResponse that passed every check, with exactly the issuer-signed elements disclosed.</summary>
public sealed record VerifiedMdoc(
    string DocType,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, MdocValue>> Elements,
    MdocIssuer Issuer,
    DateTimeOffset Signed,
    DateTimeOffset ValidFrom,
    DateTimeOffset ValidUntil,
    string DigestAlgorithm,
    MdocDeviceAuthentication DeviceAuthentication)
{
    /// <summary>The value of <paramref name="element"/> in <paramref name="nameSpace"/>, if disclosed.</summary>
    public MdocValue? Find(string nameSpace, string element) =>
        Elements.TryGetValue(nameSpace, out var values) && values.TryGetValue(element, out var value) ? value : null;
}
