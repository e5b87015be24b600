namespace Identity.Api.Commands;

/// <summary>Finds and runs the operator command named on the command line, if any.</summary>
public static class OperatorCommands
{
    /// <summary>Every command the service knows; add new ones here.</summary>
    public static IReadOnlyList<IOperatorCommand> All { get; } = [new MdocVerifyCommand(), new Audit.AuditVerifyCommand(), new Audit.AuditPurgeCommand()];

    /// <summary>The exit code of the command named by <paramref name="args"/>, or null when the args start the service.</summary>
    public static async Task<int?> TryRunAsync(string[] args, TextWriter output)
    {
        if (args.Length == 0 || args[0].StartsWith('-') || args[0].Contains('='))
        {
            return null;
        }
        var command = All.FirstOrDefault(c => c.Verbs.Count <= args.Length && c.Verbs.Select((v, i) => v == args[i]).All(x => x));
        if (command is null)
        {
            await output.WriteLineAsync($"Unknown command '{string.Join(' ', args)}'. Commands:");
            foreach (var known in All)
            {
                await output.WriteLineAsync($"  {string.Join(' ', known.Verbs)} {known.Usage}");
            }
            return 2;
        }
        var configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .Build();
        return await command.RunAsync([.. args.Skip(command.Verbs.Count)], configuration, output, CancellationToken.None);
    }
}
