namespace Identity.Testing;

/// <summary>A deliberate flaw the <see cref="TestWallet"/> builds into a presentation; each maps to one error category.</summary>
public enum WalletDefect
{
    None,
    Truncated,
    TrailingBytes,
    HugeByteStringLength,
    HugeArrayCount,
    DeepNesting,
    DuplicateKeyTopLevel,
    DuplicateKeyInIssuerItem,
    MissingDocType,
    MissingX5Chain,
    UnsupportedIssuerAlgorithm,
    IssuerAlgorithmNotMatchingKey,
    UntrustedIssuer,
    ExpiredDocumentSigner,
    NotYetValidDocumentSigner,
    DocumentSignerWithoutEku,
    DocumentSignerWithoutDigitalSignature,
    DocumentSignerCountryMismatch,
    IssuerSignatureAltered,
    DocTypeMismatch,
    MsoExpired,
    MsoNotYetValid,
    DigestTampered,
    ElementNotInMso,
    DeviceSignatureWrongKey,
    DeviceSignatureAltered,
    UnsupportedDeviceAlgorithm,
}
