namespace Identity.Api.Commands;

/// <summary>
/// An operator command run as <c>dotnet run --project src/Identity.Api -- &lt;verb&gt; &lt;subverb&gt; [options]</c>
/// instead of starting the web service (for example <c>mdoc verify</c> or <c>audit verify</c>).
/// </summary>
public interface IOperatorCommand
{
    /// <summary>The words that select the command, e.g. <c>["audit", "verify"]</c>.</summary>
    IReadOnlyList<string> Verbs { get; }

    /// <summary>One line for the usage text.</summary>
    string Usage { get; }

    /// <summary>Runs the command with the arguments after the verbs; returns the process exit code.</summary>
    Task<int> RunAsync(IReadOnlyList<string> arguments, IConfiguration configuration, TextWriter output, CancellationToken cancellationToken);
}
