using MailCloud.Core.Mailboxes;
using MailCloud.Gateway.Imap.Protocol;
using MailCloud.Gateway.Imap.Session;

namespace MailCloud.Gateway.Imap.Commands;

/// <summary>COPY (RFC 9051 §6.4.7) and MOVE (RFC 6851), with COPYUID (RFC 4315 UIDPLUS).</summary>
internal static class CopyMoveCommands
{
    public static Task<ImapCompletion> CopyAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken) =>
        TransferAsync(session, command, move: false, cancellationToken);

    public static Task<ImapCompletion> MoveAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken) =>
        TransferAsync(session, command, move: true, cancellationToken);

    private static async Task<ImapCompletion> TransferAsync(ImapSession session, ImapCommand command, bool move, CancellationToken cancellationToken)
    {
        var selected = session.RequireSelected;
        var set = command.Arguments.ReadSequenceSet();
        command.Arguments.ExpectSpace();
        var destination = session.DecodeMailboxName(command.Arguments.ReadAString());
        command.Arguments.ExpectEnd();
        if (move && selected.ReadOnly)
        {
            return ImapCompletion.No("Mailbox is read-only", "READ-ONLY");
        }

        var uids = selected.Resolve(set, command.Uid).Select(t => t.Uid).Where(u => selected.Find(u) is not null).ToList();
        var verb = (command.Uid ? "UID " : "") + (move ? "MOVE" : "COPY");
        if (uids.Count == 0)
        {
            return ImapCompletion.Ok($"{verb} completed, nothing to do");
        }

        CopyResult result;
        try
        {
            result = move
                ? await session.Store.MoveAsync(session.AccountId, selected.Name, uids, destination, cancellationToken).ConfigureAwait(false)
                : await session.Store.CopyAsync(session.AccountId, selected.Name, uids, destination, session.Quota, cancellationToken).ConfigureAwait(false);
        }
        catch (FolderNotFoundException)
        {
            // RFC 9051 §6.4.7: TRYCREATE tells the client to CREATE and retry.
            return ImapCompletion.No("Destination mailbox does not exist", "TRYCREATE");
        }

        if (session.Services.Watchers.Find(session.AccountId, destination) is { } watcher)
        {
            await watcher.RefreshAsync(cancellationToken).ConfigureAwait(false);
        }

        var copyUid = $"COPYUID {result.DestinationUidValidity} {string.Join(',', result.Mapping.Select(m => m.SourceUid))} {string.Join(',', result.Mapping.Select(m => m.DestinationUid))}";
        if (!move)
        {
            return ImapCompletion.Ok($"{verb} completed", copyUid);
        }

        // RFC 6851 §4.3: COPYUID goes in an untagged OK before the EXPUNGEs.
        session.Writer.Raw("* OK [").Raw(copyUid).Raw("] Moved").Crlf();
        await selected.RefreshAsync(cancellationToken).ConfigureAwait(false);
        session.WriteUpdates(await session.TakeUpdatesAsync(allowExpunge: true, cancellationToken).ConfigureAwait(false));
        return ImapCompletion.Ok($"{verb} completed");
    }
}
