namespace Identity.Silo;

/// <summary>How the silo finds its peers and where grain state lives.</summary>
public enum SiloMode
{
    /// <summary>One silo on localhost, grain state in a SQLite file.</summary>
    Embedded = 0,

    /// <summary>Several silos, membership and grain state in PostgreSQL.</summary>
    Cluster,
}
