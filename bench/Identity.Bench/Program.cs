using BenchmarkDotNet.Running;

namespace Identity.Bench;

// Not top-level statements: Identity.Api's own Program is visible here (InternalsVisibleTo) and would clash.
public static class Program
{
    public static void Main(string[] args) =>
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
