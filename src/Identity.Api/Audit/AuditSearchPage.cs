using Identity.Grains.Audit;

namespace Identity.Api.Audit;

/// <summary>One page of search results, newest first, and how many entries match in all.</summary>
public sealed record AuditSearchPage(IReadOnlyList<AuditEntry> Entries, long Total);
