using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Identity.Tests.Kubernetes;

/// <summary>
/// A kustomize overlay of <c>k8s/overlays</c> rendered by <c>kubectl kustomize</c> and checked offline by
/// <c>k8s/tools/validate.mjs</c> (the Kubernetes OpenAPI schemas of the npm package kubernetes-models).
/// </summary>
public sealed class RenderedOverlay
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<RenderedOverlay>>> Cache = new();

    private RenderedOverlay(string name, JsonArray objects, int validatorExitCode, string validatorErrors)
    {
        Name = name;
        Objects = [.. objects.Select(o => o!.AsObject())];
        ValidatorExitCode = validatorExitCode;
        ValidatorErrors = validatorErrors;
    }

    public string Name { get; }

    public IReadOnlyList<JsonObject> Objects { get; }

    public int ValidatorExitCode { get; }

    /// <summary>What the validator wrote on stderr: one line per invalid object, then a count.</summary>
    public string ValidatorErrors { get; }

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static Task<RenderedOverlay> RenderAsync(string overlay) =>
        Cache.GetOrAdd(overlay, name => new Lazy<Task<RenderedOverlay>>(() => RenderUncachedAsync(name))).Value;

    public IEnumerable<JsonObject> OfKind(string kind) => Objects.Where(o => (string?)o["kind"] == kind);

    public JsonObject Single(string kind, string name) =>
        Assert.Single(OfKind(kind), o => (string?)o["metadata"]?["name"] == name);

    /// <summary>Deployments and StatefulSets: everything that runs pods here.</summary>
    public IEnumerable<JsonObject> Workloads => Objects.Where(o => (string?)o["kind"] is "Deployment" or "StatefulSet");

    public static IEnumerable<JsonObject> Containers(JsonObject workload) =>
        (workload["spec"]?["template"]?["spec"]?["containers"]?.AsArray() ?? []).Select(c => c!.AsObject())
            .Concat((workload["spec"]?["template"]?["spec"]?["initContainers"]?.AsArray() ?? []).Select(c => c!.AsObject()));

    /// <summary>Runs <c>node k8s/tools/validate.mjs</c> on a YAML stream: exit code, JSON of the objects, stderr.</summary>
    public static async Task<(int ExitCode, string Output, string Errors)> ValidateAsync(string yaml)
    {
        var validator = Path.Combine(RepositoryRoot, "k8s", "tools", "validate.mjs");
        if (!Directory.Exists(Path.Combine(RepositoryRoot, "k8s", "tools", "node_modules", "kubernetes-models")))
        {
            throw new InvalidOperationException("k8s/tools/node_modules is missing: run ./scripts/test.sh (it runs npm ci there).");
        }
        return await RunAsync("node", [validator], yaml);
    }

    private static async Task<RenderedOverlay> RenderUncachedAsync(string overlay)
    {
        var (kustomizeExit, yaml, kustomizeErrors) = await RunAsync(Kubectl(), ["kustomize", Path.Combine(RepositoryRoot, "k8s", "overlays", overlay)], null);
        Assert.True(kustomizeExit == 0, $"kubectl kustomize k8s/overlays/{overlay} failed ({kustomizeExit}): {kustomizeErrors}");

        var (exitCode, json, errors) = await ValidateAsync(yaml);
        Assert.True(json.Length > 0, $"validate.mjs printed no objects for {overlay} ({exitCode}): {errors}");
        return new RenderedOverlay(overlay, JsonNode.Parse(json)!.AsArray(), exitCode, errors);
    }

    private static string Kubectl() =>
        new[] { "/usr/bin/kubectl", "/usr/local/bin/kubectl" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException(
            "kubectl is not installed: the machine image provides /usr/bin/kubectl (kustomize built in); ./scripts/test.sh says so when it is missing.");

    private static async Task<(int ExitCode, string Output, string Errors)> RunAsync(string program, IEnumerable<string> arguments, string? input)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = input is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryRoot,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await errors);
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "IdentityConsent.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("IdentityConsent.sln not found above " + AppContext.BaseDirectory);
    }
}
