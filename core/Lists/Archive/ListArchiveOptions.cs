using System.ComponentModel.DataAnnotations;

namespace MailCloud.Core.Lists.Archive;

/// <summary>
/// The limits of every list's archive (configuration section "Lists:Archive"). An archive is no directory
/// account, so these take the place of an account's quota; a post that does not fit is left out of the
/// archive (its members have it all the same).
/// </summary>
public sealed class ListArchiveOptions
{
    public const string SectionName = "Lists:Archive";

    /// <summary>The most octets one archive holds (RFC 9208 STORAGE); 0 means no limit.</summary>
    [Range(0, long.MaxValue)] public long QuotaBytes { get; set; } = 10L * 1024 * 1024 * 1024;

    /// <summary>The most posts one archive holds (RFC 9208 MESSAGE); 0 means no limit.</summary>
    [Range(0, long.MaxValue)] public long QuotaMessages { get; set; }
}
