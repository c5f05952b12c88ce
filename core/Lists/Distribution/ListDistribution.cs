using MailCloud.Core.Addresses;
using MailCloud.Core.Directory;
using MailCloud.Core.Pipeline;
using MailCloud.Core.Pipeline.State;
using MailCloud.Core.Queueing;
using MailCloud.Core.Spool;
using Microsoft.Extensions.Logging;
using MimeKit;

namespace MailCloud.Core.Lists.Distribution;

/// <summary>
/// How Route distributes a post to a list's members: one list copy per list and post in the spool (the post
/// transformed by <see cref="ListPostTransform"/>), and per member a delivery record and the VERP envelope
/// sender <c>&lt;list&gt;-bounces+&lt;token&gt;@</c>, so a bounce names the member it is about. The copy's id
/// is derived from the post and the list: a Route that runs again finds it written and uses it.
/// </summary>
public sealed partial class ListDistribution(
    ISpool spool,
    ListHeaderFields fields,
    ListLinks links,
    AuthorDmarcPolicy dmarc,
    ILogger<ListDistribution> logger)
{
    /// <summary>Writes (once) the copy of <paramref name="envelope"/>'s post that <paramref name="list"/> distributes; returns its spool blob.</summary>
    public async Task<string> WriteCopyAsync(MessageEnvelope envelope, DistributionList list, CancellationToken cancellationToken)
    {
        var copyId = $"{envelope.MessageId}-list-{PipelineMarkers.Hash(list.Address.ToLowerInvariant())[..12]}";
        MimeMessage post;
        try
        {
            await using var stream = await spool.OpenReadAsync(envelope.SpoolBlob, cancellationToken).ConfigureAwait(false);
            post = await MimeMessage.LoadAsync(stream, cancellationToken).ConfigureAwait(false);
        }
        catch (FormatException)
        {
            // Not a message MimeKit can read: it still reaches the members as it came, with the list's fields before it.
            LogUnreadable(envelope.MessageId, list.Address);
            var (raw, _) = await spool.WriteAsync(copyId, async (target, ct) =>
            {
                await using var content = new PrefixedStream(fields.RawFor(list), await spool.OpenReadAsync(envelope.SpoolBlob, ct).ConfigureAwait(false));
                await content.CopyToAsync(target, ct).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
            return raw;
        }

        using (post)
        {
            var mitigate = list.Settings.DmarcMitigation != DmarcMitigation.None && await dmarc.DemandsMitigationAsync(post, cancellationToken).ConfigureAwait(false);
            var wrapperId = $"{copyId}@{EmailAddress.Parse(list.Address).Domain}";
            using var copy = ListPostTransform.Apply(post, list, fields.For(list), mitigate, wrapperId);
            if (mitigate)
            {
                LogMitigated(envelope.MessageId, list.Address, list.Settings.DmarcMitigation);
            }

            var (blob, _) = await spool.WriteAsync(copyId, (target, ct) => copy.WriteToAsync(target, ct), cancellationToken).ConfigureAwait(false);
            return blob;
        }
    }

    /// <summary>The delivery record and the VERP reverse-path of the copy for <paramref name="member"/>.</summary>
    public MemberCopy ForMember(DistributionList list, string member) =>
        new(fields.ForMember(list, member), links.BounceAddress(list, member));

    /// <summary>
    /// The member a mailbox receives the list through: its own address when that is a member, else a member
    /// address (an alias) that resolves to it, else (a nested list's member) the mailbox's address.
    /// </summary>
    public static string MemberFor(DistributionList list, Account account, DirectorySnapshot snapshot) =>
        list.Members.FirstOrDefault(m => SameAddress(m, account.Address))
        ?? list.Members.FirstOrDefault(m => EmailAddress.TryParse(m, out var address) && snapshot.Resolve(address).Account?.Id == account.Id)
        ?? account.Address;

    /// <summary>The member a remote address receives the list as: the member entry it matches, else itself.</summary>
    public static string MemberFor(DistributionList list, EmailAddress remote) =>
        list.Members.FirstOrDefault(m => SameAddress(m, remote.ToString())) ?? remote.ToString();

    private static bool SameAddress(string stored, string address) =>
        EmailAddress.TryParse(stored, out var a) && EmailAddress.TryParse(address, out var b) && a.Key == b.Key;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Post {MessageId} to {List} is not readable as a message: distributed as it came")]
    private partial void LogUnreadable(string messageId, string list);

    [LoggerMessage(Level = LogLevel.Information, Message = "Post {MessageId} to {List}: the author's DMARC policy asks for mitigation ({Mitigation})")]
    private partial void LogMitigated(string messageId, string list, DmarcMitigation mitigation);
}

/// <summary>One member's copy: its delivery record (for the envelope) and its VERP reverse-path.</summary>
public sealed record MemberCopy(ListDelivery Delivery, string ReversePath);
