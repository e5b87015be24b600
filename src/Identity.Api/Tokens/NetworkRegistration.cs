using System.ComponentModel.DataAnnotations;

namespace Identity.Api.Tokens;

/// <summary>
/// An aligned network, i.e. a resource server: its resource indicator (RFC 8707, the <c>aud</c> of its tokens) and the
/// network-specific scope that grants it access. Stored as an OpenIddict scope whose resource is <see cref="Resource"/>.
/// </summary>
public sealed record NetworkRegistration
{
    /// <summary>An absolute URI, e.g. <c>https://network.example/fhir</c>.</summary>
    [Required]
    public string Resource { get; init; } = "";

    /// <summary>The scope that grants access to the network, e.g. <c>network:example</c>.</summary>
    [Required, RegularExpression("^[A-Za-z0-9:._-]{3,64}$")]
    public string Scope { get; init; } = "";

    [Required, StringLength(200, MinimumLength = 1)]
    public string Name { get; init; } = "";
}
