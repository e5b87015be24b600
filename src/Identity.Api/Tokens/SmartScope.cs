using System.Text.RegularExpressions;

namespace Identity.Api.Tokens;

/// <summary>
/// A SMART App Launch 2 resource scope such as <c>patient/Observation.rs</c> (v2 CRUDS letters) or
/// <c>patient/*.read</c> (v1 form, read as <c>rs</c>).
/// </summary>
public sealed partial record SmartScope(string Context, string ResourceType, string Permissions)
{
    public static SmartScope? Parse(string scope)
    {
        var match = Pattern().Match(scope);
        if (!match.Success)
        {
            return null;
        }
        var permissions = match.Groups["perm"].Value switch
        {
            "read" => "rs",
            "write" => "cud",
            "*" => "cruds",
            var letters => letters,
        };
        return permissions.Length == 0 ? null : new SmartScope(match.Groups["ctx"].Value, match.Groups["type"].Value, permissions);
    }

    /// <summary>True when everything this scope grants is also granted by <paramref name="broader"/>.</summary>
    public bool IsWithin(SmartScope broader) =>
        Context == broader.Context
        && (broader.ResourceType == "*" || broader.ResourceType == ResourceType)
        && Permissions.All(broader.Permissions.Contains);

    // v2 letters must keep the order c, r, u, d, s; a query suffix (?category=…) is allowed and not interpreted.
    [GeneratedRegex(@"^(?<ctx>patient|user|system)/(?<type>\*|[A-Z][A-Za-z]{1,63})\.(?<perm>c?r?u?d?s?|read|write|\*)(\?[\w.:/=&|,-]{1,200})?$")]
    private static partial Regex Pattern();
}
