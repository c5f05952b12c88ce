using Azure;

namespace MailCloud.Core.Mailboxes.Tables;

/// <summary>Where the storage SDK's exceptions end: everything below the store becomes a <see cref="MailboxException"/>.</summary>
internal static class StorageFailures
{
    /// <summary>True for failures of the storage service or the way to it (any status, refused or dropped connections, timeouts).</summary>
    public static bool IsStorageFailure(Exception e) =>
        e is RequestFailedException or HttpRequestException or IOException or TimeoutException
        || (e is AggregateException aggregate && aggregate.InnerExceptions.All(IsStorageFailure));

    public static Exception Translate(Exception e) => e switch
    {
        MailboxException => e,
        _ when IsStorageFailure(e) => new MailboxStoreUnavailableException($"Mailbox storage failed: {e.Message}", e),
        _ => e,
    };
}
