namespace MailCloud.Core.Tests.Spool;

/// <summary>A clock that always reads the given instant.</summary>
internal sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
