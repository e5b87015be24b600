namespace Identity.Tests.Audit;

/// <summary>The BALP-style AuditEvent vectors in <c>shared/vectors/fhir/auditevent</c> (beside the repository).</summary>
internal static class AuditVectors
{
    public static readonly string Root = FindRoot();

    public static string Read(string file) => File.ReadAllText(Path.Combine(Root, file));

    public static IEnumerable<string> Files => Directory.GetFiles(Root, "*.json")
        .Select(Path.GetFileName).Where(f => f != "manifest.json").Order(StringComparer.Ordinal)!;

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "shared", "vectors", "fhir", "auditevent");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException("shared/vectors/fhir/auditevent was not found above the test directory (it sits beside the repository).");
    }
}
