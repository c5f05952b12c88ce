using MailCloud.Core.Mailboxes;
using MailCloud.Gateway.Imap.Protocol;
using MailCloud.Gateway.Imap.Session;

namespace MailCloud.Gateway.Imap.Commands;

/// <summary>
/// What QRESYNC (RFC 7162 §3.2) tells a client that comes back with a MODSEQ: the UIDs expunged since
/// (VANISHED (EARLIER), from the store's tombstones, or by comparing UIDs when the MODSEQ is older than
/// they reach, §3.2.5.2) and, at SELECT, the messages changed since. Written for SELECT/EXAMINE with the
/// QRESYNC parameter (§3.2.5) and UID FETCH with the VANISHED modifier (§3.2.6).
/// </summary>
internal static class QresyncResponses
{
    /// <summary>§3.2.5: VANISHED (EARLIER) for the known UIDs gone since the MODSEQ, then FETCH (UID FLAGS MODSEQ) of those changed since.</summary>
    public static async Task WriteSelectResyncAsync(ImapSession session, QresyncParameters qresync, CancellationToken cancellationToken)
    {
        var selected = session.RequireSelected;
        await WriteVanishedEarlierAsync(session, qresync.ModSeq, qresync.KnownUids, cancellationToken).ConfigureAwait(false);
        var largest = selected.Snapshot.Status.UidNext - 1;
        foreach (var (sequenceNumber, uid) in selected.Messages)
        {
            // As Dovecot: only messages within known-uids, when the client gave them.
            if (selected.Find(uid) is { } message && message.ModSeq > qresync.ModSeq && (qresync.KnownUids is null || qresync.KnownUids.Contains(uid, largest)))
            {
                var writer = session.Writer;
                writer.Raw("* ").Number(sequenceNumber).Raw(" FETCH (UID ").Number(uid).Raw(" FLAGS ");
                FlagCodec.Write(writer, message.Flags, selected.IsRecent(uid));
                writer.Raw(" MODSEQ (").Number(message.ModSeq).Raw("))").Crlf();
            }
        }
    }

    /// <summary>
    /// "* VANISHED (EARLIER) uids" for the UIDs in <paramref name="limit"/> (every UID when null; "*" is the
    /// last UID ever assigned) expunged after <paramref name="sinceModSeq"/>; nothing when there are none.
    /// A message the client still sees is never named: its expunge is reported as it happens.
    /// </summary>
    public static async Task WriteVanishedEarlierAsync(ImapSession session, ulong sinceModSeq, SequenceSet? limit, CancellationToken cancellationToken)
    {
        var selected = session.RequireSelected;
        var status = selected.Snapshot.Status;
        if (sinceModSeq >= status.HighestModSeq)
        {
            return;
        }

        var changes = await session.Store.GetChangesAsync(selected.AccountId, selected.Folder, sinceModSeq, cancellationToken).ConfigureAwait(false);
        var existing = selected.Uids.Union(selected.Snapshot.Messages.Select(m => m.Uid)).Order().ToList();
        var vanished = changes.VanishedExact
            ? VanishedSet.FromExpunged(changes.Vanished, limit, status.UidNext - 1, uid => existing.BinarySearch(uid) >= 0)
            : VanishedSet.FromComparison(limit, status.UidNext, existing);
        if (vanished.Length > 0)
        {
            session.Writer.Raw("* VANISHED (EARLIER) ").Raw(vanished).Crlf();
        }
    }
}
