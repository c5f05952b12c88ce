using MailCloud.Core.Configuration;
using MailCloud.Core.Directory;
using MailCloud.Core.Directory.Passwords;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Tests.Directory;

/// <summary>Builds directories on real Azurite storage, with a cheap hash so tests do not spend 0.3 s per password.</summary>
internal static class TestDirectories
{
    public const int CheapIterations = 1_000;

    public static DirectoryOptions Options(TimeSpan? revalidation = null) => new()
    {
        PasswordHashIterations = CheapIterations,
        CacheRevalidationInterval = revalidation ?? TimeSpan.FromSeconds(2),
    };

    public static BlobMailDirectory Create(StorageClients storage, DirectoryOptions? options = null, TimeProvider? time = null, ILogger<BlobMailDirectory>? logger = null)
    {
        var wrapped = Microsoft.Extensions.Options.Options.Create(options ?? Options());
        time ??= TimeProvider.System;
        return new BlobMailDirectory(
            storage,
            new Pbkdf2PasswordHasher(wrapped),
            new VerifiedCredentialCache(wrapped, time),
            wrapped,
            time,
            logger ?? NullLogger<BlobMailDirectory>.Instance);
    }
}

/// <summary>A clock that stands still until the test moves it; timers and delays still run on real time.</summary>
internal sealed class SteppedTimeProvider : TimeProvider
{
    private long _ticks;
    private DateTimeOffset _now = DateTimeOffset.UtcNow;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by)
    {
        Interlocked.Add(ref _ticks, by.Ticks);
        _now += by;
    }
}
