namespace Identity.Grains.Audit;

/// <summary>The last entry of a chain (or its anchor after a purge): what the next entry links to.</summary>
public sealed record AuditChainHead(Guid Chain, long Sequence, byte[] Hash)
{
    public static AuditChainHead Empty(Guid chain) => new(chain, 0, AuditHash.Genesis.ToArray());
}
