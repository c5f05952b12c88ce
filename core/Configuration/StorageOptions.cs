using System.ComponentModel.DataAnnotations;

namespace MailCloud.Core.Configuration;

/// <summary>
/// Where MailCloud keeps its state. Either a connection string (Azurite, or a key-based account)
/// or service URIs reached with managed identity (DefaultAzureCredential).
/// </summary>
public sealed class StorageOptions
{
    public const string SectionName = "Storage";

    /// <summary>A storage connection string; when empty, <see cref="BlobServiceUri"/> and managed identity are used.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>For managed identity: https://&lt;account&gt;.blob.core.windows.net.</summary>
    public Uri? BlobServiceUri { get; set; }

    /// <summary>For managed identity: https://&lt;account&gt;.queue.core.windows.net.</summary>
    public Uri? QueueServiceUri { get; set; }

    /// <summary>For managed identity: https://&lt;account&gt;.table.core.windows.net (derived from the blob URI when empty).</summary>
    public Uri? TableServiceUri { get; set; }

    [Required] public string DirectoryContainer { get; set; } = "directory";
    [Required] public string SpoolContainer { get; set; } = "spool";
    [Required] public string MailboxContainer { get; set; } = "mailboxes";

    /// <summary>Sieve scripts: one document per account, and the global scripts (RFC 6609).</summary>
    [Required] public string SieveContainer { get; set; } = "sieve";

    /// <summary>Mailing lists' own state: pending confirmations, held posts, bounce records, per list.</summary>
    [Required] public string ListsContainer { get; set; } = "lists";

    /// <summary>The table holding the mailbox index (one partition per account); letters and digits only.</summary>
    [Required, RegularExpression("^[A-Za-z][A-Za-z0-9]{2,62}$")] public string MailboxTable { get; set; } = "mailboxes";

    public bool UsesConnectionString => !string.IsNullOrWhiteSpace(ConnectionString);
}
