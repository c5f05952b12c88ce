using System.Globalization;
using MailCloud.Gateway.Imap.Session;

namespace MailCloud.Gateway.Imap.Commands;

/// <summary>EXPUNGE and UID EXPUNGE (RFC 9051 §6.4.3, §6.4.9), CLOSE (§6.4.1), UNSELECT (§6.4.2) and CHECK (RFC 3501 §6.4.1).</summary>
internal static class ExpungeCommands
{
    // RFC 3501 §6.4.1: nothing to checkpoint (every change is already durable); like NOOP, it
    // reports what changed, expunges included, through the session's update report.
    public static async Task<ImapCompletion> CheckAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        command.Arguments.ExpectEnd();
        await session.RequireSelected.RefreshAsync(cancellationToken).ConfigureAwait(false);
        return ImapCompletion.Ok("CHECK completed");
    }

    public static async Task<ImapCompletion> ExpungeAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var selected = session.RequireSelected;
        IReadOnlyCollection<uint>? uids = null;
        if (command.Uid)
        {
            uids = selected.Resolve(command.Arguments.ReadSequenceSet(), byUid: true).Select(t => t.Uid).ToList();
        }

        command.Arguments.ExpectEnd();
        if (selected.ReadOnly)
        {
            return ImapCompletion.No("Mailbox is read-only", "READ-ONLY");
        }

        IReadOnlyList<uint> removed = [];
        if (uids is not { Count: 0 })
        {
            removed = await session.Store.ExpungeAsync(selected.AccountId, selected.Folder, uids, cancellationToken).ConfigureAwait(false);
            await selected.RefreshAsync(cancellationToken).ConfigureAwait(false);
        }

        // The EXPUNGE (or VANISHED) responses come from the session's update report after this
        // command. With QRESYNC the tagged OK of an expunge names the HIGHESTMODSEQ they bring the client to
        // (RFC 7162 §3.2.4), as Dovecot does; lower than the report's at worst, which only makes the client ask again.
        var code = session.QresyncEnabled && removed.Count > 0 ? string.Create(CultureInfo.InvariantCulture, $"HIGHESTMODSEQ {selected.Snapshot.Status.HighestModSeq}") : null;
        return ImapCompletion.Ok($"{(command.Uid ? "UID " : "")}EXPUNGE completed", code);
    }

    // RFC 9051 §6.4.1: expunges silently unless read-only, then deselects.
    public static async Task<ImapCompletion> CloseAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        command.Arguments.ExpectEnd();
        var selected = session.RequireSelected;
        if (!selected.ReadOnly)
        {
            await session.Store.ExpungeAsync(selected.AccountId, selected.Folder, null, cancellationToken).ConfigureAwait(false);

            // The folder's other sessions in this process hear of it at once (RFC 3501 §7.4.1).
            await selected.RefreshAsync(cancellationToken).ConfigureAwait(false);
        }

        await session.DeselectAsync().ConfigureAwait(false);
        return ImapCompletion.Ok("CLOSE completed");
    }

    public static async Task<ImapCompletion> UnselectAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        command.Arguments.ExpectEnd();
        await session.DeselectAsync().ConfigureAwait(false);
        return ImapCompletion.Ok("UNSELECT completed");
    }
}
