namespace Identity.Grains.Audit;

/// <summary>
/// Which chain an audit entry belongs to: one per patient (keyed by the <c>hl7_person_identifier</c>),
/// and one system chain for events that concern no patient (for example a sign-in with an unknown passkey).
/// </summary>
public static class AuditChains
{
    public static readonly Guid System = Guid.Empty;

    public static string Describe(Guid chain) => chain == System ? "system" : $"Patient/{chain:D}";
}
