using Identity.Grains.Audit;

namespace Identity.Api.Audit;

/// <summary>What a retention purge did: entries removed and anchors left per chain, and chains it refused to touch because they do not verify.</summary>
public sealed record AuditPurgeReport(DateTimeOffset Cutoff, long EntriesRemoved, IReadOnlyList<AuditAnchor> Anchors, IReadOnlyList<AuditChainReport> Refused);
