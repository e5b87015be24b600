using Identity.Grains.Patients;

namespace Identity.Api.Passkeys;

/// <summary>
/// The user type ASP.NET Core Identity works with: a patient seen through the patient grain.
/// Its id and user name are both the patient's <c>hl7_person_identifier</c>; no name or e-mail is kept.
/// </summary>
public sealed class PatientUser(Guid personIdentifier)
{
    public Guid PersonIdentifier { get; } = personIdentifier;

    public string Id => PersonIdentifier.ToString("D");

    /// <summary>The snapshot this user was loaded from; null for a patient not created yet.</summary>
    public PatientSnapshot? Snapshot { get; init; }
}
