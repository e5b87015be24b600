namespace Identity.Api.Passkeys;

/// <summary>Configuration section <c>Passkeys</c>: the WebAuthn relying party.</summary>
public sealed class PasskeySettings
{
    public const string Section = "Passkeys";

    /// <summary>The RP ID, a registrable domain such as <c>id.example.org</c>; null means the request's host.</summary>
    public string? ServerDomain { get; set; }

    /// <summary>Exact origins allowed in clientDataJSON (e.g. <c>https://id.example.org</c>); empty means the request's own origin.</summary>
    public List<string> Origins { get; set; } = [];

    public bool IsAllowedOrigin(string origin, HttpRequest request) => Origins.Count > 0
        ? Origins.Contains(origin, StringComparer.Ordinal)
        : string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.Ordinal);
}
