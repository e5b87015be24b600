namespace NetworkValidation;

/// <summary>The outcome of offline validation: either an error, or the claims a network decides on.</summary>
public sealed record OfflineValidation
{
    public required bool IsValid { get; init; }

    /// <summary>Why the token was refused (the Microsoft.IdentityModel exception type), when it was.</summary>
    public string? Error { get; init; }

    public string? ErrorDescription { get; init; }

    public string? Subject { get; init; }

    public string? ClientId { get; init; }

    public IReadOnlyList<string> Scopes { get; init; } = [];

    /// <summary>Absent for a patient whose identity is not verified (their tokens are AAL2 only, through <c>amr</c>).</summary>
    public string? Acr { get; init; }

    public bool IsIal2 { get; init; }

    public IReadOnlyList<string> Amr { get; init; } = [];

    public string? PersonIdentifier { get; init; }

    public string? Type { get; init; }

    public string? KeyId { get; init; }

    public DateTime IssuedAt { get; init; }

    public DateTime ExpiresAt { get; init; }

    public static OfflineValidation Invalid(string error, string description) =>
        new() { IsValid = false, Error = error, ErrorDescription = description };
}
