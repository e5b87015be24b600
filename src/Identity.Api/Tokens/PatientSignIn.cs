namespace Identity.Api.Tokens;

/// <summary>The passkey sign-in behind an authorization: when (unix seconds) and how (RFC 8176 amr).</summary>
public sealed record PatientSignIn(Guid PatientId, long AuthTime, IReadOnlyList<string> Amr);
