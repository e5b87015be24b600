namespace Identity.Tests.Cluster;

/// <summary>
/// What the client side knows about one patient: the registration or enrolment, passkeys and consent versions the
/// service acknowledged (2xx), the names it acknowledged, and the attempts whose outcome is unknown (no answer, or a 5xx
/// that does not promise that nothing was done), which may or may not be stored.
/// </summary>
public sealed class PatientLedger : IDisposable
{
    public Guid? Id { get; set; }

    /// <summary>The licence this patient enrols with (mDL enrolment), or null for a passkey-only registration.</summary>
    public string? DocumentNumber { get; init; }

    /// <summary>True once an enrolment was answered 201: the patient must have a verified identity (IAL2).</summary>
    public bool Enrolled { get; set; }

    /// <summary>Consents whose creation was answered 201, with their last acknowledged version.</summary>
    public List<LedgerConsent> Consents { get; } = [];

    /// <summary>Consent creations without a clear answer: each may or may not exist.</summary>
    public int UnclearConsents { get; set; }

    /// <summary>Passkeys whose registration or addition was answered 201.</summary>
    public List<LedgerPasskey> Passkeys { get; } = [];

    /// <summary>Passkeys whose addition got no clear answer: either stored or not, never half.</summary>
    public List<SoftwareAuthenticator> Unknown { get; } = [];

    /// <summary>Passkeys whose addition was refused with a 503 that promises nothing was done: they must not exist.</summary>
    public List<SoftwareAuthenticator> Refused { get; } = [];

    /// <summary>Keeps a passkey whose addition was not acknowledged: unknown when the answer was <paramref name="unclear"/>, else refused.</summary>
    public void Record(SoftwareAuthenticator authenticator, bool unclear) => (unclear ? Unknown : Refused).Add(authenticator);

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

/// <summary>An acknowledged Consent: its last acknowledged version and status, and how many later updates got no clear answer.</summary>
public sealed class LedgerConsent(string id, int versionId, string status)
{
    public string Id { get; } = id;

    public int VersionId { get; set; } = versionId;

    public string Status { get; set; } = status;

    /// <summary>Updates after <see cref="VersionId"/> without a clear answer: the stored version may be up to this many ahead.</summary>
    public int UnclearUpdates { get; set; }
}
