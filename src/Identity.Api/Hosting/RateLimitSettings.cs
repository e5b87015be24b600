namespace Identity.Api.Hosting;

/// <summary>Configuration section <c>RateLimits:Authentication</c>: registration and sign-in attempts per client address.</summary>
public sealed class RateLimitSettings
{
    public const string Section = "RateLimits:Authentication";

    public int PermitLimit { get; set; } = 30;

    public int WindowSeconds { get; set; } = 60;
}
