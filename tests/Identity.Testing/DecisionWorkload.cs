using System.Text.Json;
using System.Text.Json.Nodes;

namespace Identity.Testing;

/// <summary>
/// The consent decision benchmark's patient (issue: "a patient with 20 consents"): 20 active Consents made from the
/// shared FHIR vectors, five kinds for four actors, and the question asked about them.
/// </summary>
public static class DecisionWorkload
{
    public const int ConsentCount = 20;

    private static readonly string[] Kinds =
        ["svc-permit-network-treat.json", "svc-deny-clinic-b.json", "svc-deny-except-btg.json", "svc-permit-except-42cfr2.json", "svc-permit-time-bounded.json"];

    /// <summary>The Consents as FHIR JSON, each naming <paramref name="patient"/>.</summary>
    public static IEnumerable<string> Consents(Guid patient)
    {
        var folder = FindAbove(Path.Combine("shared", "vectors", "fhir", "consent", "valid"));
        for (var i = 0; i < ConsentCount; i++)
        {
            var node = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, Kinds[i % Kinds.Length])))!;
            node["patient"]!["reference"] = $"Patient/{patient:D}";
            if (node["provision"]?["actor"]?[0]?["reference"] is { } actor && i >= Kinds.Length)
            {
                actor["reference"] = $"Organization/other-{i}";
            }
            yield return node.ToJsonString();
        }
    }

    /// <summary>The <c>POST /consent/decide</c> body: may network A see this patient's normal data for treatment?</summary>
    public static string Question(Guid patient) =>
        JsonSerializer.Serialize(new { patient = $"Patient/{patient:D}", actor = "Organization/network-a", purposeOfUse = "TREAT", securityLabels = new[] { "N" } });

    /// <summary>A folder found in the current directory or above the running program (the repository and its <c>shared</c> sibling).</summary>
    public static string FindAbove(string relative)
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine(directory.FullName, relative);
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }
        }
        throw new DirectoryNotFoundException($"{relative} was not found above {Directory.GetCurrentDirectory()} or {AppContext.BaseDirectory}.");
    }
}
