using System.ComponentModel.DataAnnotations;

namespace MailCloud.Core.Mailboxes;

/// <summary>Tuning of the blob mailbox store (configuration section "Mailboxes").</summary>
public sealed class MailboxStoreOptions
{
    public const string SectionName = "Mailboxes";

    /// <summary>
    /// How long a change in flight (an append or flag change between its reservation and its
    /// completion) holds back readers. After that it counts as dead: readers skip it and its
    /// UID is never shown. Must exceed the longest single append (a large message upload).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:10", "01:00:00")]
    public TimeSpan PendingTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long abandoned UIDs stay hidden (in case their blob is written late); far above any retry delay.</summary>
    [Range(typeof(TimeSpan), "00:10:00", "30.00:00:00")]
    public TimeSpan AbandonedRetention { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Upper bound of the in-memory snapshot cache, in messages across all cached folders.</summary>
    [Range(1_000, 100_000_000)]
    public long SnapshotCacheMessages { get; set; } = 1_000_000;

    /// <summary>Message blobs per listing page when a snapshot is built (5,000 is the service's maximum).</summary>
    [Range(100, 5_000)]
    public int ListPageSize { get; set; } = 5_000;

    /// <summary>Blob requests a single operation (STORE, COPY, EXPUNGE of many messages) runs in parallel.</summary>
    [Range(1, 64)]
    public int MaxParallelRequests { get; set; } = 8;

    /// <summary>Messages up to this size are uploaded in one request; larger ones are staged in blocks of this size.</summary>
    [Range(64 * 1024, 100 * 1024 * 1024)]
    public int UploadBlockBytes { get; set; } = 4 * 1024 * 1024;
}
