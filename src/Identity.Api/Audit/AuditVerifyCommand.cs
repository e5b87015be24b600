using Identity.Api.Commands;
using Identity.Grains.Audit;
using Microsoft.Extensions.Logging.Abstractions;

namespace Identity.Api.Audit;

/// <summary>
/// <c>audit verify [--patient ID]</c>: proves every chain (or one patient's) in the configured audit store, printing one line
/// per chain with its head hash, or the first broken entry. Exit 0 when all verify, 1 when one is broken, 2 when it could not run.
/// </summary>
public sealed class AuditVerifyCommand : IOperatorCommand
{
    public IReadOnlyList<string> Verbs { get; } = ["audit", "verify"];

    public string Usage => "[--patient ID]";

    public async Task<int> RunAsync(IReadOnlyList<string> arguments, IConfiguration configuration, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(output);
        Guid? patient = null;
        if (arguments.Count == 2 && arguments[0] == "--patient" && Guid.TryParse(arguments[1].Replace("Patient/", "", StringComparison.Ordinal), out var id))
        {
            patient = id;
        }
        else if (arguments.Count != 0)
        {
            await output.WriteLineAsync($"Usage: audit verify {Usage}");
            return 2;
        }
        try
        {
            await using var store = new AuditStore(AuditDatabase.FromConfiguration(configuration, Directory.GetCurrentDirectory()), NullLogger<AuditStore>.Instance);
            var chains = patient is { } one ? [one] : await store.ChainsAsync(cancellationToken);
            var broken = 0;
            foreach (var chain in chains)
            {
                var report = await store.VerifyAsync(chain, cancellationToken);
                await output.WriteLineAsync(Describe(report));
                broken += report.Intact ? 0 : 1;
            }
            await output.WriteLineAsync(broken == 0
                ? $"OK: {chains.Count} chain(s) verified in {store.Description}."
                : $"BROKEN: {broken} of {chains.Count} chain(s) in {store.Description} do not verify.");
            return broken == 0 ? 0 : 1;
        }
        catch (AuditUnavailableException e)
        {
            await output.WriteLineAsync($"Could not verify: {e.Message}");
            return 2;
        }
    }

    public static string Describe(AuditChainReport report)
    {
        var name = AuditChains.Describe(report.Chain);
        if (report.FirstBreak is { } broken)
        {
            return $"{name}: BROKEN at entry {broken.Sequence} ({broken.Kind}): {broken.Message}";
        }
        var anchored = report.Anchor is { } anchor ? $", anchored after purged entry {anchor.Sequence}" : "";
        return $"{name}: intact, entries {report.FirstSequence}..{report.LastSequence} ({report.Entries}){anchored}, head {report.HeadHash}";
    }
}
