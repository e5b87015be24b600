using System.Security.Cryptography;
using Identity.Api.Enrollment;

namespace Identity.Tests.Infrastructure;

/// <summary>
/// The service in cluster mode inside the test process: its co-hosted silo joins the cluster on a shared PostgreSQL
/// database (Orleans membership and grain state, audit trail, OpenIddict tables) and it keeps shared state in Redis.
/// Factories built from the same <see cref="Deployment"/> are instances of one deployment behind a load balancer.
/// </summary>
public sealed class ClusterApiFactory : IdentityApiFactory
{
    public ClusterApiFactory(IReadOnlyDictionary<string, string?> deployment)
    {
        foreach (var (key, value) in deployment)
        {
            Settings[key] = value;
        }
    }

    /// <summary>
    /// What every instance of one deployment shares: cluster id, PostgreSQL, Redis and the secrets that Development would
    /// otherwise generate per content root (token keys, pairwise secret, PII keys, the verifier certificate).
    /// </summary>
    public static Dictionary<string, string?> Deployment(string postgres, string redis)
    {
        using var signing = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var (certificate, key) = VerifierCertificate.CreateDevelopment(["localhost"]);
        return new Dictionary<string, string?>
        {
            ["Orleans:Mode"] = "Cluster",
            ["Orleans:ClusterId"] = "api-tests-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)),
            ["Orleans:ServiceId"] = "identity-api-tests",
            ["ConnectionStrings:Postgres"] = postgres,
            ["ConnectionStrings:Redis"] = redis,
            ["Tokens:SigningKeys:0"] = signing.ExportPkcs8PrivateKeyPem(),
            ["Tokens:EncryptionKey"] = Secret(32),
            ["Tokens:PairwiseSecret"] = Secret(32),
            ["Enrollment:PiiKey"] = Secret(32),
            ["Enrollment:DocumentIndexKey"] = Secret(32),
            ["Enrollment:VerifierCertificate"] = certificate,
            ["Enrollment:VerifierKey"] = key,
            ["Enrollment:DemoWallet"] = "false",
        };
    }

    private static string Secret(int bytes) => Convert.ToBase64String(RandomNumberGenerator.GetBytes(bytes));
}
