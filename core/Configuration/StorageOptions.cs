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

    [Required] public string DirectoryContainer { get; set; } = "directory";
    [Required] public string SpoolContainer { get; set; } = "spool";
    [Required] public string MailboxContainer { get; set; } = "mailboxes";

    public bool UsesConnectionString => !string.IsNullOrWhiteSpace(ConnectionString);
}
