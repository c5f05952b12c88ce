using MailCloud.Core.Mailboxes;
using MailCloud.Gateway.Imap.Protocol;
using MailCloud.Gateway.Imap.Session;

namespace MailCloud.Gateway.Imap.Commands;

/// <summary>APPEND (RFC 9051 §6.3.12) with APPENDUID (RFC 4315); the size limit is enforced before the literal is sent (RFC 7889).</summary>
public static class AppendCommand
{
    public static async Task<ImapCompletion> AppendAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var arguments = command.Arguments;
        var folder = session.DecodeMailboxName(arguments.ReadAString());
        arguments.ExpectSpace();
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

        var literal = arguments.ReadLiteral();
        arguments.ExpectEnd();
        if (literal.Length == 0)
        {
            return ImapCompletion.No("Empty message");
        }

        AppendResult result;
        try
        {
            result = await session.Store.AppendAsync(session.AccountId, folder, literal.OpenRead(), flags, internalDate, null, session.Quota, cancellationToken).ConfigureAwait(false);
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

        return ImapCompletion.Ok("APPEND completed", $"APPENDUID {result.UidValidity} {result.Uid}");
    }
}
