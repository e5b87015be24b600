namespace Identity.Api.Consent;

/// <summary>
/// Where an OAuth grant stands against its Consent: <see cref="Ended"/> says why it is over (null while it is in force),
/// <see cref="EndsAt"/> when its Consent's period ends, so no token issued under it outlives it.
/// </summary>
public sealed record GrantStanding(string? Ended, DateTimeOffset? EndsAt)
{
    public static readonly GrantStanding Unknown = new(null, null);
}
