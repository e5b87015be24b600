using System.Collections.Concurrent;
using System.Diagnostics;

namespace Identity.Tests.Cluster;

/// <summary>
/// One silo or API process of a test cluster (<c>dotnet Identity.X.dll</c>), with its output kept for failure messages.
/// It can be killed (SIGKILL), stopped gracefully (SIGTERM) and started again with the same settings.
/// </summary>
public sealed class ClusterProcess : IAsyncDisposable
{
    private static readonly ConcurrentDictionary<int, Process> Running = new();
    private readonly ConcurrentQueue<string> _output = new();
    private readonly string _assembly;
    private readonly string _workingDirectory;
    private Process? _process;

    static ClusterProcess() =>
        // Last line of defence when the test host exits without disposing (a crash, an abort): no stray processes.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var process in Running.Values)
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                    // Already gone.
                }
            }
        };

    public ClusterProcess(string name, string assembly, string workingDirectory, IReadOnlyDictionary<string, string> environment)
    {
        Name = name;
        _assembly = assembly;
        _workingDirectory = workingDirectory;
        Environment = new Dictionary<string, string>(environment);
    }

    /// <summary>For messages: <c>silo-1</c>, <c>api-2</c>.</summary>
    public string Name { get; }

    /// <summary>Settings of the next start; change ports here before <see cref="StartAsync"/> to restart elsewhere.</summary>
    public Dictionary<string, string> Environment { get; }

    public int? Pid => _process is { HasExited: false } process ? process.Id : null;

    public bool IsRunning => _process is { HasExited: false };

    public int? ExitCode => _process is { HasExited: true } process ? process.ExitCode : null;

    public void Start()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"{Name} is already running.");
        }
        _process?.Dispose();
        var start = new ProcessStartInfo("dotnet", [_assembly])
        {
            WorkingDirectory = _workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in Environment)
        {
            start.Environment[key] = value;
        }
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, line) => Keep(line.Data);
        process.ErrorDataReceived += (_, line) => Keep(line.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Running[process.Id] = process;
        _process = process;
        Keep($"--- started pid {process.Id}");
    }

    /// <summary>SIGKILL: no shutdown at all, as when a node dies.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            Keep("--- SIGKILL");
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Running.TryRemove(process.Id, out _);
        }
    }

    /// <summary>SIGTERM, then wait for the host's graceful shutdown (Orleans hands its grains over and leaves the cluster).</summary>
    public async Task TerminateAsync(TimeSpan timeout)
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }
        Keep("--- SIGTERM");
        using (var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])))
        {
            await kill!.WaitForExitAsync();
        }
        using var wait = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            await KillAsync();
            throw new TimeoutException($"{Name} did not stop within {timeout.TotalSeconds:0} s of SIGTERM.\n{Output()}");
        }
        Running.TryRemove(process.Id, out _);
    }

    /// <summary>The first lines of every error the process logged (<c>fail:</c>/<c>crit:</c>), then its last lines.</summary>
    public string Output(int lines = 60)
    {
        var all = _output.ToArray();
        var errors = all.Select((line, i) => (line, i))
            .Where(x => x.line.StartsWith("fail:", StringComparison.Ordinal) || x.line.StartsWith("crit:", StringComparison.Ordinal))
            .Take(10)
            .SelectMany(x => all.Skip(x.i).Take(8));
        return $"== {Name} ({_assembly}) ==\n-- errors:\n{string.Join('\n', errors)}\n-- last lines:\n{string.Join('\n', all.TakeLast(lines))}";
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
        _process = null;
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }
        _output.Enqueue(line);
        while (_output.Count > 2_000)
        {
            _output.TryDequeue(out _);
        }
    }
}
