using System.Text.Json;

namespace NetworkValidation;

/// <summary>An RFC 7662 introspection answer; inactive for revoked, expired or foreign tokens, with nothing else said.</summary>
public sealed record Introspection
{
    public required bool Active { get; init; }

    public string? Subject { get; init; }

    public string? ClientId { get; init; }

    public IReadOnlyList<string> Audiences { get; init; } = [];

    public IReadOnlyList<string> Scopes { get; init; } = [];

    public string? Acr { get; init; }

    public DateTimeOffset? ExpiresAt { get; init; }

    public static Introspection From(JsonElement body)
    {
        var active = body.TryGetProperty("active", out var a) && a.ValueKind == JsonValueKind.True;
        if (!active)
        {
            return new Introspection { Active = false };
        }
        return new Introspection
        {
            Active = true,
            Subject = String(body, "sub"),
            ClientId = String(body, "client_id"),
            Audiences = body.TryGetProperty("aud", out var aud)
                ? aud.ValueKind == JsonValueKind.Array ? [.. aud.EnumerateArray().Select(e => e.GetString()!)] : [aud.GetString()!]
                : [],
            Scopes = String(body, "scope")?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [],
            Acr = String(body, "acr"),
            ExpiresAt = body.TryGetProperty("exp", out var exp) && exp.TryGetInt64(out var seconds) ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null,
        };
    }

    private static string? String(JsonElement body, string name) =>
        body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
