using System.Globalization;
using Identity.Api.Commands;
using Identity.Grains.Audit;
using Microsoft.Extensions.Logging.Abstractions;

namespace Identity.Api.Audit;

/// <summary>
/// <c>audit purge [--before DATE]</c>: removes entries older than the retention period (<c>Audit:RetentionYears</c>, default 6)
/// or an earlier date, keeping each chain verifiable through its anchor. A date inside the retention period is refused, and
/// chains that do not verify are left untouched. Exit 0 when done, 1 when a chain was refused, 2 when it could not run.
/// </summary>
public sealed class AuditPurgeCommand : IOperatorCommand
{
    public IReadOnlyList<string> Verbs { get; } = ["audit", "purge"];

    public string Usage => "[--before YYYY-MM-DD] (default: now minus Audit:RetentionYears)";

    public async Task<int> RunAsync(IReadOnlyList<string> arguments, IConfiguration configuration, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(output);
        var settings = configuration.GetSection(AuditSettings.Section).Get<AuditSettings>() ?? new AuditSettings();
        var now = DateTimeOffset.UtcNow;
        var limit = AuditRetention.Cutoff(now, settings.RetentionYears);
        var cutoff = limit;
        if (arguments.Count == 2 && arguments[0] == "--before"
            && DateTimeOffset.TryParse(arguments[1], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var before))
        {
            if (before > limit)
            {
                await output.WriteLineAsync($"Refused: {before:O} is inside the retention period of {settings.RetentionYears} years (earliest allowed cut-off {limit:O}).");
                return 2;
            }
            cutoff = before;
        }
        else if (arguments.Count != 0)
        {
            await output.WriteLineAsync($"Usage: audit purge {Usage}");
            return 2;
        }
        try
        {
            await using var store = new AuditStore(AuditDatabase.FromConfiguration(configuration, Directory.GetCurrentDirectory()), NullLogger<AuditStore>.Instance);
            var report = await store.PurgeAsync(cutoff, now, cancellationToken);
            foreach (var anchor in report.Anchors)
            {
                await output.WriteLineAsync($"{AuditChains.Describe(anchor.Chain)}: entries up to {anchor.Sequence} removed; anchor {Convert.ToHexStringLower(anchor.Hash)}");
            }
            foreach (var refused in report.Refused)
            {
                await output.WriteLineAsync($"Left untouched: {AuditVerifyCommand.Describe(refused)}");
            }
            await output.WriteLineAsync($"Purged {report.EntriesRemoved} entries recorded before {cutoff:O} from {store.Description}.");
            return report.Refused.Count == 0 ? 0 : 1;
        }
        catch (AuditUnavailableException e)
        {
            await output.WriteLineAsync($"Could not purge: {e.Message}");
            return 2;
        }
    }
}
