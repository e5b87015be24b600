namespace Identity.Silo;

/// <summary>The <c>Orleans</c> configuration section.</summary>
public sealed record SiloOptions
{
    public const string Section = "Orleans";

    public SiloMode Mode { get; init; } = SiloMode.Embedded;

    public string ClusterId { get; init; } = "identityconsent";

    public string ServiceId { get; init; } = "identityconsent";

    public int SiloPort { get; init; } = 11111;

    public int GatewayPort { get; init; } = 30000;

    /// <summary>The address other silos and clients use to reach this one; loopback when not set.</summary>
    public string? AdvertisedIPAddress { get; init; }
}
