namespace Identity.Api.Enrollment;

/// <summary>An encrypted response that cannot be opened; the message says why, without any of its content.</summary>
public sealed class JweException(string message) : Exception(message);
