using MailCloud.Core.Addresses;
using MailCloud.Core.Directory;
using MailCloud.Core.Mailboxes;
using MailCloud.Core.Pipeline.Deliver;
using MailCloud.Core.Pipeline.Route;
using MailCloud.Core.Queueing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Lists.Archive;

/// <summary>
/// Keeps a list's post in its archive (<see cref="ListArchive.AccountIdFor"/>, folder INBOX): the copy the
/// members got, filed through <see cref="MailboxFiler"/> like any delivery, so it references the spool blob and
/// is stored once per message and archive whatever number of times Route runs (the delivery's idempotency key).
/// The archive is no directory account: it is filed as a stand-in <see cref="Account"/> with the list's address
/// (Delivered-To) and the archive quota of <see cref="ListArchiveOptions"/>.
/// </summary>
public sealed partial class ListArchiveDelivery(MailboxFiler filer, IOptions<ListArchiveOptions> options, ILogger<ListArchiveDelivery> logger)
{
    private readonly ListArchiveOptions _options = options.Value;

    /// <summary>The lists, once each, that distributed the post in <paramref name="expansion"/> and keep an archive.</summary>
    public static IReadOnlyList<DistributionList> ArchivingLists(RecipientExpansion expansion) =>
        [.. expansion.Local.Select(l => l.ViaList)
            .Concat(expansion.Remote.Select(r => r.ViaList))
            .OfType<DistributionList>()
            .Where(l => l.Settings.Archive)
            .DistinctBy(l => EmailAddress.Parse(l.Address).Key, StringComparer.Ordinal)];

    /// <summary>Files <paramref name="spoolBlob"/> (the list's copy of <paramref name="envelope"/>) into the archive of <paramref name="list"/>.</summary>
    public async Task StoreAsync(MessageEnvelope envelope, DistributionList list, string spoolBlob, CancellationToken cancellationToken)
    {
        var archive = new Account(ListArchive.AccountIdFor(list.Address), list.Address, null, string.Empty, _options.QuotaBytes, Enabled: true, DateTimeOffset.UnixEpoch)
        {
            QuotaMessages = _options.QuotaMessages,
        };
        try
        {
            var result = await filer.FileAsync(
                envelope with { SpoolBlob = spoolBlob },
                archive,
                ListArchive.Folder,
                MessageFlags.Empty,
                MailboxDelivery.IdempotencyKey(envelope.MessageId, archive.Id),
                null,
                cancellationToken).ConfigureAwait(false);
            LogArchived(envelope.MessageId, list.Address, result.Uid, result.AlreadyDelivered);
        }
        catch (MailboxQuotaExceededException e)
        {
            // The post reached the members; only the archive misses it. Nobody is bounced for a full archive.
            LogArchiveFull(envelope.MessageId, list.Address, e.Usage.UsedBytes, e.Quota.MaxBytes, e.Usage.MessageCount, e.Quota.MaxMessages);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Archived {MessageId} for list {List} as UID {Uid} (already archived: {AlreadyArchived})")]
    private partial void LogArchived(string messageId, string list, uint uid, bool alreadyArchived);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} left out of the archive of {List}: it uses {Used} of {Quota} bytes and holds {Messages} of {MessageLimit} posts (0: no limit)")]
    private partial void LogArchiveFull(string messageId, string list, long used, long quota, long messages, long messageLimit);
}
