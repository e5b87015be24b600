namespace Identity.Tests.Silo;

/// <summary>Silo tests on PostgreSQL run one after another: each starts silos and opens pools on the shared server.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresSiloCollection
{
    public const string Name = "Silo on PostgreSQL";
}
