using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using Identity.Api.Passkeys;

namespace Identity.Bench;

/// <summary>
/// The production single-use ledger that <see cref="PasskeyAssertionBenchmarks"/> replaces: the cost of consuming
/// one fresh challenge, with few or with more than its purge threshold (10 000) of challenges remembered.
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
public class ChallengeLedgerBenchmarks
{
    private const int Consumed = 1024;

    private readonly byte[] _challenge = new byte[32];
    private InMemoryPasskeyChallengeLedger _ledger = null!;
    private long _next;

    /// <summary>Challenges already consumed (all still within the 15-minute retention) before an iteration starts.</summary>
    [Params(0, 12_000)]
    public int Remembered { get; set; }

    [IterationSetup]
    public void Fill()
    {
        _ledger = new InMemoryPasskeyChallengeLedger(TimeProvider.System);
        for (var i = 0; i < Remembered; i++)
        {
            _ = TryConsume();
        }
    }

    [Benchmark]
    [InvocationCount(Consumed)]
    public ValueTask<ChallengeUse> TryConsume()
    {
        BinaryPrimitives.WriteInt64LittleEndian(_challenge, ++_next);
        return _ledger.TryConsumeAsync(_challenge, DateTimeOffset.UtcNow);
    }
}
