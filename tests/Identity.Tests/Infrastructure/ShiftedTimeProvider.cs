namespace Identity.Tests.Infrastructure;

/// <summary>Real time moved forward by <see cref="Offset"/>: lets a test age a session while timers keep running normally.</summary>
public sealed class ShiftedTimeProvider : TimeProvider
{
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}
