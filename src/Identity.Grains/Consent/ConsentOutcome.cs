namespace Identity.Grains.Consent;

/// <summary>What the patient's consents say about a request.</summary>
public enum ConsentOutcome
{
    /// <summary>No active consent of the patient applies to the request.</summary>
    NoConsent,

    Permit,

    Deny,
}
