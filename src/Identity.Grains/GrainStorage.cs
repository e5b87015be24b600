namespace Identity.Grains;

/// <summary>Names of the grain storage providers the silo must configure.</summary>
public static class GrainStorage
{
    /// <summary>Durable storage for patient and index grains (SQLite embedded, PostgreSQL in a cluster).</summary>
    public const string Name = "identity";
}
