namespace Identity.Api.Tokens;

/// <summary>The outcome of matching <c>acr_values</c> against a patient's assurance.</summary>
public sealed record AcrDecision(string? Acr, string? Error, string? Description)
{
    /// <summary>OpenID Connect EAP ACR Values 1.0 §4: the requested authentication requirements cannot be met.</summary>
    public const string UnmetAuthenticationRequirements = "unmet_authentication_requirements";

    public bool IsGranted => Error is null;

    public static AcrDecision Granted(string? acr) => new(acr, null, null);

    public static AcrDecision Unsupported(string value) =>
        new(null, "invalid_request", $"acr_values contains an unsupported value; supported: {string.Join(' ', AssuranceLevels.Supported)}.");

    public static AcrDecision Unmet() =>
        new(null, UnmetAuthenticationRequirements, "The patient's identity has not been verified at IAL2.");
}
