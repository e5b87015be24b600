using System.Globalization;

namespace Identity.Load;

/// <summary>One scenario at one load: achieved rate, failures and latency percentiles.</summary>
internal sealed record LoadResult(string Scenario, string Load, double RequestsPerSecond, long Failures, double P50Ms, double P99Ms, double MaxMs)
{
    public static LoadResult From(string scenario, string load, ReadOnlySpan<long> latencyTicks, long failures, TimeSpan elapsed)
    {
        var sorted = latencyTicks.ToArray();
        Array.Sort(sorted);
        double Percentile(double p) => sorted.Length == 0 ? double.NaN
            : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)] * 1000.0 / System.Diagnostics.Stopwatch.Frequency;
        return new(scenario, load, sorted.Length / elapsed.TotalSeconds, failures, Percentile(0.50), Percentile(0.99), Percentile(1.0));
    }

    public string ToMarkdownRow() => string.Create(CultureInfo.InvariantCulture,
        $"| {Scenario} | {Load} | {RequestsPerSecond:F0} | {P50Ms:F2} | {P99Ms:F2} | {MaxMs:F1} | {Failures} |");
}
