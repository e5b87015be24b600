using Identity.Tests.Infrastructure;

namespace Identity.Tests.Cluster;

/// <summary>
/// What the client side knows about one patient: the registration and passkeys the service acknowledged (2xx), the
/// names it acknowledged, and the attempts whose outcome is unknown (no answer, or a 5xx that does not promise that
/// nothing was done), which may or may not be stored.
/// </summary>
public sealed class PatientLedger : IDisposable
{
    public Guid? Id { get; set; }

    /// <summary>Passkeys whose registration or addition was answered 201.</summary>
    public List<LedgerPasskey> Passkeys { get; } = [];

    /// <summary>Passkeys whose addition got no clear answer: either stored or not, never half.</summary>
    public List<SoftwareAuthenticator> Unknown { get; } = [];

    /// <summary>Passkeys whose addition was refused with a 503 that promises nothing was done: they must not exist.</summary>
    public List<SoftwareAuthenticator> Refused { get; } = [];

    public void Dispose()
    {
        foreach (var passkey in Passkeys)
        {
            passkey.Authenticator.Dispose();
        }
        foreach (var authenticator in Unknown.Concat(Refused))
        {
            authenticator.Dispose();
        }
    }
}

/// <summary>An acknowledged passkey and the names it may carry now (the last acknowledged one, or an unanswered later one).</summary>
public sealed class LedgerPasskey(SoftwareAuthenticator authenticator)
{
    public SoftwareAuthenticator Authenticator { get; } = authenticator;

    public HashSet<string> PossibleNames { get; } = [];

    /// <summary>False until a rename is acknowledged: the registered name is whatever the service chose.</summary>
    public bool Renamed { get; set; }
}
