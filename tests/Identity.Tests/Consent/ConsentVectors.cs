using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;
using Identity.Grains.Consent;

namespace Identity.Tests.Consent;

/// <summary>The Consent vectors in <c>shared/vectors/fhir</c> (beside the repository): valid, invalid and decisions.json.</summary>
public static class ConsentVectors
{
    public static string Root { get; } = Find();

    public static string Valid(string file) => Path.Combine(Root, "consent", "valid", file);

    public static string Invalid(string file) => Path.Combine(Root, "consent", "invalid", file);

    public static IEnumerable<string> ValidFiles() =>
        Manifest(Path.Combine(Root, "consent", "valid", "manifest.json"), "files").Select(f => f.GetProperty("file").GetString()!);

    public static IEnumerable<InvalidCase> InvalidCases() =>
        Manifest(Path.Combine(Root, "consent", "invalid", "manifest.json"), "cases").Select(c => new InvalidCase(
            c.GetProperty("file").GetString()!, c.GetProperty("expected_status").GetInt32(), c.GetProperty("issue_code").GetString()!,
            c.GetProperty("error_class").GetString()!));

    public static IEnumerable<DecisionCase> DecisionCases() =>
        Manifest(Path.Combine(Root, "decisions.json"), "cases").Select(c =>
        {
            var request = c.GetProperty("request");
            return new DecisionCase(
                c.GetProperty("id").GetString()!,
                [.. c.GetProperty("consents").EnumerateArray().Select(p => Path.Combine(Root, p.GetString()!))],
                request.GetProperty("patient").GetString()!,
                request.GetProperty("actor").GetString()!,
                request.GetProperty("purposeOfUse").GetString()!,
                request.TryGetProperty("action", out var action) ? action.GetString()! : "access",
                [.. request.GetProperty("securityLabels").EnumerateArray().Select(l => l.GetString()!)],
                DateTimeOffset.Parse(request.GetProperty("time").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
                c.GetProperty("expected").GetString()!,
                c.GetProperty("reason").GetString()!);
        });

    /// <summary>A vector's JSON with <c>patient.reference</c> pointing at <paramref name="patient"/>; nothing else changes.</summary>
    public static string ForPatient(string path, Guid patient)
    {
        var node = JsonNode.Parse(File.ReadAllText(path))!;
        node["patient"]!["reference"] = $"Patient/{patient:D}";
        return node.ToJsonString();
    }

    public static DecisionCase Decision(string id) => DecisionCases().Single(c => c.Id == id);

    public static ConsentOutcome Outcome(string expected) => expected switch
    {
        "permit" => ConsentOutcome.Permit,
        "deny" => ConsentOutcome.Deny,
        "no-consent" => ConsentOutcome.NoConsent,
        _ => throw new ArgumentOutOfRangeException(nameof(expected), expected, null),
    };

    private static IEnumerable<JsonElement> Manifest(string path, string member)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return [.. document.RootElement.GetProperty(member).EnumerateArray().Select(e => e.Clone())];
    }

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "shared", "vectors", "fhir");
            if (File.Exists(Path.Combine(candidate, "decisions.json")))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException("shared/vectors/fhir was not found above the test directory (it sits beside the repository).");
    }

    public sealed record InvalidCase(string File, int Status, string IssueCode, string ErrorClass)
    {
        public override string ToString() => File;
    }

    public sealed record DecisionCase(
        string Id, ImmutableArray<string> Consents, string Patient, string Actor, string PurposeOfUse, string Action,
        ImmutableArray<string> SecurityLabels, DateTimeOffset Time, string Expected, string Reason)
    {
        public ConsentDecisionRequest Request(string? patient = null, ImmutableArray<string>? actors = null) => new()
        {
            Patient = patient ?? Patient,
            Actors = actors ?? [Actor],
            PurposeOfUse = PurposeOfUse,
            Action = Action,
            SecurityLabels = SecurityLabels,
            Time = Time,
        };
    }
}
