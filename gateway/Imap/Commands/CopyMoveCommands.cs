using MailCloud.Core.Mailboxes;
using MailCloud.Gateway.Imap.Protocol;
using MailCloud.Gateway.Imap.Session;

namespace MailCloud.Gateway.Imap.Commands;

/// <summary>
/// COPY (RFC 9051 §6.4.7) and MOVE (RFC 6851), with COPYUID (RFC 4315 UIDPLUS). Nothing goes into a list archive
/// (NOPERM); a COPY out of one, into the user's own folders, reads each message and appends it.
/// </summary>
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
        var destinationName = session.DecodeMailboxName(command.Arguments.ReadAString());
        command.Arguments.ExpectEnd();
        if (move && selected.ReadOnly)
        {
            return ImapCompletion.No("Mailbox is read-only", "READ-ONLY");
        }

        var destination = await session.LocateWritableAsync(destinationName, cancellationToken).ConfigureAwait(false);

        var uids = selected.Resolve(set, command.Uid).Select(t => t.Uid).Where(u => selected.Find(u) is not null).ToList();
        var verb = (command.Uid ? "UID " : "") + (move ? "MOVE" : "COPY");
        if (uids.Count == 0)
        {
            return ImapCompletion.Ok($"{verb} completed, nothing to do");
        }

        CopyResult result;
        try
        {
            result = selected.AccountId != destination.AccountId
                ? await CopyAcrossAsync(session, selected, uids, destination, cancellationToken).ConfigureAwait(false)
                : move
                    ? await session.Store.MoveAsync(selected.AccountId, selected.Folder, uids, destination.Folder, cancellationToken).ConfigureAwait(false)
                    : await session.Store.CopyAsync(selected.AccountId, selected.Folder, uids, destination.Folder, session.Quota, cancellationToken).ConfigureAwait(false);
        }
        catch (FolderNotFoundException)
        {
            // RFC 9051 §6.4.7: TRYCREATE tells the client to CREATE and retry.
            return ImapCompletion.No("Destination mailbox does not exist", "TRYCREATE");
        }

        if (session.Services.Watchers.Find(destination.AccountId, destination.Folder) is { } watcher)
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

    /// <summary>
    /// A COPY out of another account's folder (a list archive, read-only) into the user's: the store copies within
    /// one account, so the messages are read and appended with their flags and internal dates, each batch of
    /// <see cref="IMailboxStore.MaxMessagesPerAppend"/> all or none (RFC 3502 §6), charged to the user's quota.
    /// </summary>
    private static async Task<CopyResult> CopyAcrossAsync(ImapSession session, SelectedMailbox source, IReadOnlyList<uint> uids, MailboxLocation destination, CancellationToken cancellationToken)
    {
        var mapping = new List<(uint SourceUid, uint DestinationUid)>(uids.Count);
        var uidValidity = 0u;
        foreach (var batch in uids.Chunk(IMailboxStore.MaxMessagesPerAppend))
        {
            var messages = new List<AppendMessage>(batch.Length);
            try
            {
                foreach (var uid in batch)
                {
                    var summary = source.Find(uid) ?? throw new MessageNotFoundException(source.Folder, uid);
                    var content = await session.Store.OpenMessageAsync(summary, cancellationToken: cancellationToken).ConfigureAwait(false);
                    messages.Add(new AppendMessage(content, summary.Flags, summary.InternalDate));
                }

                var appended = await session.Store.AppendManyAsync(destination.AccountId, destination.Folder, messages, session.Quota, cancellationToken).ConfigureAwait(false);
                uidValidity = appended.UidValidity;
                mapping.AddRange(batch.Zip(appended.Uids));
            }
            finally
            {
                foreach (var message in messages)
                {
                    await message.Content.DisposeAsync().ConfigureAwait(false);
                }
            }
        }

        return new CopyResult(uidValidity, mapping);
    }
}
