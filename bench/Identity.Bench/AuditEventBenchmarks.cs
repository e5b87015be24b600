using BenchmarkDotNet.Attributes;
using Identity.Grains.Audit;

namespace Identity.Bench;

/// <summary>
/// The CPU an audited token operation spends on its AuditEvent before the store: building the BALP event with the FHIR
/// object model, its canonical JSON, and the index columns read back from that JSON (one introspection event).
/// </summary>
[InProcess, WarmupCount(3), IterationCount(10), MemoryDiagnoser]
public class AuditEventBenchmarks
{
    private static readonly TokenAuditFacts Facts = new("demo-network", null, ["urn:ietf:params:oauth:token-type:access_token"],
        ["https://demo-network.localhost/fhir"], ["network:demo"], null, null, "POST /connect/introspect");

    private string _json = "";

    [GlobalSetup]
    public void Setup() => _json = Serialize();

    [Benchmark]
    public Hl7.Fhir.Model.AuditEvent Build() => TokenAuditEvents.Introspected(new AuditContext("bench", "127.0.0.1", DateTimeOffset.UtcNow), Facts, active: true);

    [Benchmark]
    public string Serialize() => AuditEventJson.Serialize(Build());

    [Benchmark]
    public AuditEventIndex Index() => AuditEventIndex.Read(_json);

    [Benchmark]
    public byte[] Hash() => AuditHash.Compute(AuditChains.System, 1, DateTimeOffset.UtcNow, new byte[32], System.Text.Encoding.UTF8.GetBytes(_json));
}
