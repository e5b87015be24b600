namespace Identity.Grains.Mdoc;

/// <summary>Who vouched for a document, for the evidence record: the Document Signer and the IACA it chained to.</summary>
public sealed record MdocIssuer(
    string DocumentSignerSubject,
    string DocumentSignerSerialNumber,
    string DocumentSignerThumbprint,
    DateTimeOffset DocumentSignerNotAfter,
    string IacaSubject,
    string IacaId,
    string IacaSource,
    string? Country,
    CoseAlgorithm SignatureAlgorithm);
