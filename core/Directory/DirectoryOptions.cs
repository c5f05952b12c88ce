using System.ComponentModel.DataAnnotations;
using MailCloud.Core.Directory.Passwords;

namespace MailCloud.Core.Directory;

/// <summary>The directory's settings (configuration section "Directory"), validated at start.</summary>
public sealed class DirectoryOptions
{
    public const string SectionName = "Directory";

    /// <summary>How long a cached snapshot is trusted before a conditional GET asks whether the stored directory changed.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan CacheRevalidationInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>PBKDF2-SHA256 iterations for new hashes (OWASP 2023: 600,000). Existing hashes carry their own count.</summary>
    [Range(1_000, Pbkdf2PasswordHasher.MaxIterations)]
    public int PasswordHashIterations { get; set; } = 600_000;

    /// <summary>Mailbox quota of an account created without one.</summary>
    [Range(1, long.MaxValue)]
    public long DefaultQuotaBytes { get; set; } = 1L << 30;

    /// <summary>How long a verified password is remembered, so a client's frequent logins skip the hash.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan VerifiedCredentialLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Compare-and-swap attempts of one change before giving up when other writers keep winning.</summary>
    [Range(1, 1000)]
    public int MaxWriteAttempts { get; set; } = 50;
}
