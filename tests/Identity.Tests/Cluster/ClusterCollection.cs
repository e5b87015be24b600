namespace Identity.Tests.Cluster;

/// <summary>
/// The multi-process cluster tests run one after another and alone: each starts several silo and API processes, and
/// their recovery deadlines must not compete with other tests for the machine's cores.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterCollection
{
    public const string Name = "Cluster of processes";
}
