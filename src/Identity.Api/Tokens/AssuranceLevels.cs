using Identity.Grains.Patients;

namespace Identity.Api.Tokens;

/// <summary>
/// The identity assurance an <c>acr</c> states (PROFILES.md, "Tokens"). Only IAL2 values exist: a patient whose identity
/// is not verified gets no <c>acr</c> at all (their tokens still say AAL2 through <c>amr</c>), and a request demanding
/// IAL2 for them is refused, never downgraded.
/// </summary>
public static class AssuranceLevels
{
    public const string UdapIal2 = "http://udap.org/code/id/ial2";
    public const string NistIal2 = "http://idmanagement.gov/ns/assurance/ial/2";

    public static readonly string[] Supported = [UdapIal2, NistIal2];

    /// <summary>The <c>acr</c> for this patient and request, or why none can be given.</summary>
    public static AcrDecision Decide(IReadOnlyCollection<string> acrValues, IdentityAssurance assurance)
    {
        var unsupported = acrValues.FirstOrDefault(v => !Supported.Contains(v, StringComparer.Ordinal));
        if (unsupported is not null)
        {
            return AcrDecision.Unsupported(unsupported);
        }
        if (assurance != IdentityAssurance.Ial2)
        {
            return acrValues.Count == 0 ? AcrDecision.Granted(null) : AcrDecision.Unmet();
        }
        return AcrDecision.Granted(acrValues.FirstOrDefault() ?? UdapIal2);
    }
}
