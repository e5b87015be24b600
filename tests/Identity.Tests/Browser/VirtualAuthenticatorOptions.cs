namespace Identity.Tests.Browser;

/// <summary>Settings of a CDP virtual authenticator: a platform (internal) CTAP 2.1 authenticator with user verification.</summary>
public sealed record VirtualAuthenticatorOptions
{
    /// <summary>Backup eligible and backed up (BE/BS flags): imitates a synced passkey.</summary>
    public bool Synced { get; init; }

    public bool IsUserVerified { get; init; } = true;

    internal Dictionary<string, object> ToCdp() => new()
    {
        ["protocol"] = "ctap2",
        ["ctap2Version"] = "ctap2_1",
        ["transport"] = "internal",
        ["hasResidentKey"] = true,
        ["hasUserVerification"] = true,
        ["isUserVerified"] = IsUserVerified,
        ["automaticPresenceSimulation"] = true,
        ["defaultBackupEligibility"] = Synced,
        ["defaultBackupState"] = Synced,
    };
}
