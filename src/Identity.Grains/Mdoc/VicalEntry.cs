using System.Security.Cryptography.X509Certificates;

namespace Identity.Grains.Mdoc;

/// <summary>One <c>CertificateInfo</c> of a VICAL: an IACA certificate and the document types it may sign.</summary>
public sealed record VicalEntry(X509Certificate2 Certificate, IReadOnlyList<string> DocTypes, string? IssuingAuthority, string? IssuingCountry);
