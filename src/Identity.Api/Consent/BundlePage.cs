using System.Globalization;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.WebUtilities;

namespace Identity.Api.Consent;

/// <summary>
/// One page of a searchset or history Bundle: <c>_count</c> entries (default 50, at most 500; 0 gives only the total)
/// from <c>_offset</c>. Offsets count entries in a stable order, so the links can be followed without server state; a
/// change between two requests may move an entry across a page boundary.
/// </summary>
public sealed record BundlePage(int Offset, int Count)
{
    public const int DefaultCount = 50;
    public const int MaxCount = 500;
    public const string CountParameter = "_count";
    public const string OffsetParameter = "_offset";

    public static (BundlePage? Page, string? Error) Parse(IQueryCollection query)
    {
        var count = DefaultCount;
        if (query.TryGetValue(CountParameter, out var counts)
            && (counts.Count != 1 || !int.TryParse(counts.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out count)))
        {
            return (null, "_count must be one non-negative integer.");
        }
        var offset = 0;
        if (query.TryGetValue(OffsetParameter, out var offsets)
            && (offsets.Count != 1 || !int.TryParse(offsets.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out offset)))
        {
            return (null, "_offset must be one non-negative integer (follow the Bundle's next link rather than building it).");
        }
        return (new BundlePage(offset, Math.Min(count, MaxCount)), null);
    }

    public IEnumerable<T> Of<T>(IEnumerable<T> all) => all.Skip(Offset).Take(Count);

    /// <summary>
    /// Adds <c>self</c>, <c>first</c>, and when there are such pages <c>previous</c> and <c>next</c>: the request's own
    /// parameters with this page's <c>_count</c> and the page's <c>_offset</c>.
    /// </summary>
    public void Link(Bundle bundle, string url, IQueryCollection query, int total)
    {
        var kept = query.Where(p => p.Key is not (CountParameter or OffsetParameter))
            .SelectMany(p => p.Value.Select(v => KeyValuePair.Create(p.Key, v))).ToList();
        string At(int offset) => QueryHelpers.AddQueryString(url, [.. kept,
            KeyValuePair.Create(CountParameter, (string?)Count.ToString(CultureInfo.InvariantCulture)),
            KeyValuePair.Create(OffsetParameter, (string?)offset.ToString(CultureInfo.InvariantCulture))]);
        bundle.Link.Add(new Bundle.LinkComponent { Relation = "self", Url = At(Offset) });
        bundle.Link.Add(new Bundle.LinkComponent { Relation = "first", Url = At(0) });
        if (Count == 0)
        {
            return;
        }
        if (Offset > 0)
        {
            bundle.Link.Add(new Bundle.LinkComponent { Relation = "previous", Url = At(Math.Max(0, Offset - Count)) });
        }
        if (Offset + Count < total)
        {
            bundle.Link.Add(new Bundle.LinkComponent { Relation = "next", Url = At(Offset + Count) });
        }
    }
}
