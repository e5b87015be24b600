using System.Net;

namespace Identity.Api.Hosting;

/// <summary>
/// Configuration section <c>ForwardedHeaders</c>: the proxies whose <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c>
/// are believed (the client address feeds rate limits and the audit trail; the scheme, cookies and redirects). Loopback is
/// always trusted and, by default, nothing else: behind an ingress, list its addresses or its pods' network.
/// </summary>
public sealed class ForwardedHeadersSettings
{
    public const string Section = "ForwardedHeaders";

    /// <summary>Networks of trusted proxies in CIDR notation, e.g. <c>10.244.0.0/16</c> or <c>fd00::/8</c>.</summary>
    public List<string> KnownNetworks { get; set; } = [];

    /// <summary>Addresses of trusted proxies, e.g. <c>10.0.12.7</c>.</summary>
    public List<string> KnownProxies { get; set; } = [];

    public static ForwardedHeadersSettings From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<ForwardedHeadersSettings>() ?? new ForwardedHeadersSettings();

    /// <summary>The configured networks and proxies; a malformed entry throws with what is wrong, so the service does not start.</summary>
    public (IReadOnlyList<IPNetwork> Networks, IReadOnlyList<IPAddress> Proxies) Parse() => (
        [.. KnownNetworks.Select(network => IPNetwork.TryParse(network.Trim(), out var parsed)
            && IPAddress.TryParse(network.Trim().Split('/')[0], out var written) && parsed.BaseAddress.Equals(written) ? parsed
            : throw new InvalidOperationException($"{Section}:KnownNetworks entry '{network}' is not a network in CIDR notation " +
                "(address/prefix length without host bits, e.g. 10.244.0.0/16).")) ],
        [.. KnownProxies.Select(proxy => IPAddress.TryParse(proxy.Trim(), out var parsed) ? parsed
            : throw new InvalidOperationException($"{Section}:KnownProxies entry '{proxy}' is not an IP address.")) ]);
}
