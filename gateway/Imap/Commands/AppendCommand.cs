using MailCloud.Core.Mailboxes;
using MailCloud.Gateway.Imap.Protocol;
using MailCloud.Gateway.Imap.Session;

namespace MailCloud.Gateway.Imap.Commands;

/// <summary>
/// APPEND (RFC 9051 §6.3.12) with MULTIAPPEND (RFC 3502: several messages, stored all or none) and
/// APPENDUID (RFC 4315 §3); the size limits are enforced before the literals are sent (RFC 7889,
/// <see cref="CommandLiteralBudget"/>).
/// </summary>
internal static class AppendCommand
{
    public static async Task<ImapCompletion> AppendAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var arguments = command.Arguments;
        var location = await session.LocateWritableAsync(session.DecodeMailboxName(arguments.ReadAString()), cancellationToken).ConfigureAwait(false);
        var folder = location.Folder;

        // RFC 3502 §3: append = "APPEND" SP mailbox 1*append-message. Every literal has been read by
        // now, so a message that fails to parse refuses the command before anything is stored.
        var messages = new List<AppendMessage>();
        do
        {
            arguments.ExpectSpace();
            messages.Add(ReadMessage(arguments));
        }
        while (!arguments.AtEnd);

        if (messages.Count > IMailboxStore.MaxMessagesPerAppend)
        {
            // RFC 5530 §3 LIMIT: the messages of one APPEND are one transaction.
            return ImapCompletion.No($"APPEND takes at most {IMailboxStore.MaxMessagesPerAppend} messages", "LIMIT");
        }

        if (messages.Any(m => m.Content.Length == 0))
        {
            return ImapCompletion.No("Empty message");
        }

        AppendManyResult result;
        try
        {
            result = await session.Store.AppendManyAsync(session.AccountId, folder, messages, session.Quota, cancellationToken).ConfigureAwait(false);
        }
        catch (FolderNotFoundException)
        {
            return ImapCompletion.No("Mailbox does not exist", "TRYCREATE");
        }

        // Sessions of this process that have the folder selected hear of it now rather than at the next poll.
        if (session.Services.Watchers.Find(session.AccountId, folder) is { } watcher)
        {
            await watcher.RefreshAsync(cancellationToken).ConfigureAwait(false);
        }

        // RFC 4315 §3: the UIDs are consecutive, so the uid-set is one range (RFC 3502 §6).
        var uids = result.Uids.Count == 1 ? $"{result.Uids[0]}" : $"{result.Uids[0]}:{result.Uids[^1]}";
        return ImapCompletion.Ok("APPEND completed", $"APPENDUID {result.UidValidity} {uids}");
    }

    /// <summary>append-message = append-opts SP append-data: [SP flag-list] [SP date-time] SP literal (RFC 3502 §3, RFC 4466 §2.3).</summary>
    private static AppendMessage ReadMessage(ImapCommandReader arguments)
    {
        var flags = MessageFlags.Empty;
        if (arguments.Peek() == (byte)'(')
        {
            flags = FlagCodec.Parse(arguments.ReadFlagList());
            arguments.ExpectSpace();
        }

        var internalDate = DateTimeOffset.Now;
        if (arguments.Peek() == (byte)'"')
        {
            internalDate = arguments.ReadDateTime();
            arguments.ExpectSpace();
        }

        return new AppendMessage(arguments.ReadLiteral().OpenRead(), flags, internalDate);
    }
}
