using System.Diagnostics;
using System.Globalization;

namespace Identity.Load;

/// <summary>One scenario at one load: achieved rate, failures and latency percentiles.</summary>
internal sealed record LoadResult(string Scenario, string Load, double RequestsPerSecond, long Failures, double P50Ms, double P99Ms, double MaxMs)
{
    public const string MarkdownHeader = "| scenario | load | req/s | p50 ms | p99 ms | max ms | failures | sender late p99 ms |\n|---|---|---:|---:|---:|---:|---:|---:|";

    /// <summary>Fixed-rate runs only: how late the sender itself sent against its schedule (not part of the latencies).</summary>
    public double? SenderLateP99Ms { get; init; }

    public static LoadResult From(string scenario, string load, ReadOnlySpan<long> latencyTicks, long failures, TimeSpan elapsed)
    {
        var sorted = latencyTicks.ToArray();
        Array.Sort(sorted);
        return new(scenario, load, sorted.Length / elapsed.TotalSeconds, failures, PercentileMs(sorted, 0.50), PercentileMs(sorted, 0.99), PercentileMs(sorted, 1.0));
    }

    /// <summary>The <paramref name="p"/> quantile of sorted Stopwatch tick counts, in milliseconds.</summary>
    public static double PercentileMs(long[] sortedTicks, double p) => sortedTicks.Length == 0 ? double.NaN
        : sortedTicks[Math.Min(sortedTicks.Length - 1, (int)Math.Ceiling(p * sortedTicks.Length) - 1)] * 1000.0 / Stopwatch.Frequency;

    public string ToMarkdownRow() => string.Create(CultureInfo.InvariantCulture,
        $"| {Scenario} | {Load} | {RequestsPerSecond:F0} | {P50Ms:F2} | {P99Ms:F2} | {MaxMs:F1} | {Failures} | {(SenderLateP99Ms is { } late ? late.ToString("F2", CultureInfo.InvariantCulture) : "–")} |");
}
