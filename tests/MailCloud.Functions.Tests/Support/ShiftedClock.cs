namespace MailCloud.Functions.Tests.Support;

/// <summary>
/// The system clock moved forward by an offset the test sets, so days pass in a moment while
/// timers and delays keep running in real time (the pipeline's 200 ms retries still come round).
/// </summary>
public sealed class ShiftedClock : TimeProvider
{
    private long _offsetTicks;

    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;

    /// <summary>Sets the clock to <paramref name="offset"/> after the real time.</summary>
    public void MoveTo(TimeSpan offset) => Interlocked.Exchange(ref _offsetTicks, offset.Ticks);
}
