using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Identity.Api.Enrollment;

/// <summary>Optional body of <c>POST /api/enrollment</c>: <c>direct_post.jwt</c> (default, encrypted) or <c>direct_post</c>.</summary>
public sealed record StartEnrollmentRequest(string? ResponseMode);

/// <summary>A new enrolment: every way a wallet can answer it.</summary>
/// <param name="DigitalCredentials">The argument of <c>navigator.credentials.get</c> (W3C Digital Credentials API).</param>
/// <param name="WalletLink">The same-device link (<c>openid4vp://</c>) and the QR code's content for another device.</param>
/// <param name="QrCode">The wallet link as a PNG data URL.</param>
/// <param name="DemoWallet">Development only: the demo wallet page for this request.</param>
public sealed record EnrollmentStarted(
    string Id,
    DateTimeOffset ExpiresAt,
    JsonObject DigitalCredentials,
    string WalletLink,
    string QrCode,
    string? DemoWallet);

/// <summary>Where an enrolment stands: <c>pending</c>, <c>verified</c> (outcome <c>enrolled</c> or <c>recovery</c>), <c>failed</c> (with the code) or <c>completed</c>.</summary>
public sealed record EnrollmentState(
    string Id,
    string Status,
    string? Outcome,
    string? Code,
    DateTimeOffset ExpiresAt);

/// <summary>The wallet's DC API result as the page posts it: <c>{protocol, data}</c> of the returned DigitalCredential.</summary>
public sealed record DigitalCredentialResponse(string? Protocol, JsonObject? Data);

/// <summary>The enrolment's passkey is registered and the patient signed in.</summary>
public sealed record EnrollmentCompleted(
    [property: JsonPropertyName("hl7_person_identifier")] string PersonIdentifier,
    string Outcome,
    string IdentityAssurance);
