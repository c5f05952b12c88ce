using System.ComponentModel.DataAnnotations;

namespace MailCloud.Core.Mailboxes;

/// <summary>Tuning of the table mailbox store (configuration section "Mailboxes").</summary>
public sealed class MailboxStoreOptions
{
    public const string SectionName = "Mailboxes";

    /// <summary>Folders one account may have (CREATE beyond it answers NO [LIMIT]); every change reads the folder rows, so this bounds that read.</summary>
    [Range(6, 10_000)]
    public int MaxFoldersPerAccount { get; set; } = 1_000;

    /// <summary>Transactions one batch of changes tries when other instances keep committing first (412) before it gives up as unavailable.</summary>
    [Range(1, 100)]
    public int MaxCommitAttempts { get; set; } = 20;

    /// <summary>Blob requests a single operation (COPY, deleting expunged blobs) runs in parallel.</summary>
    [Range(1, 64)]
    public int MaxParallelRequests { get; set; } = 8;

    /// <summary>Messages up to this size are uploaded in one request; larger ones are staged in blocks of this size.</summary>
    [Range(64 * 1024, 100 * 1024 * 1024)]
    public int UploadBlockBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// Expunge tombstones a folder keeps (one per expunging transaction, up to 97 UIDs each). Past it the
    /// oldest are pruned and the folder's VANISHED floor rises: a client resynchronising from an older
    /// MODSEQ gets the UID comparison instead of the exact list (RFC 7162 §3.2.5.2).
    /// </summary>
    [Range(1, 100_000)]
    public int MaxTombstonesPerFolder { get; set; } = 1_000;
}
