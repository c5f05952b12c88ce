using MailCloud.Core.Mailboxes;
using MailCloud.Gateway.Imap.Commands;
using MailCloud.Gateway.Imap.Protocol;

namespace MailCloud.Gateway.Imap.Session;

/// <summary>
/// Decides, before a literal's octets are read, whether the command being received may have them
/// (invariant 6: no client makes the gateway hold unbounded memory or disk). Judged by the
/// session's state and the command named on the first line: a command unknown or not valid in the
/// state gets no literal at all, a client that has not logged in gets only small ones, and every
/// command has a cap on its lines and literals together. APPEND's literals are its messages (RFC
/// 3502 MULTIAPPEND): each up to APPENDLIMIT (RFC 7889), all of them together up to APPENDLIMIT as
/// well, so a connection spools no more than one APPEND of the largest message would, and at most
/// <see cref="IMailboxStore.MaxMessagesPerAppend"/> of them; its lines count against the command cap.
/// </summary>
internal sealed class CommandLiteralBudget
{
    /// <summary>RFC 7888 §4 (LITERAL-): the largest non-synchronizing literal a client may send.</summary>
    public const int MaxNonSynchronizingLiteral = 4096;

    private readonly ImapCompletion? _notAllowed;
    private readonly long _literalLimit;
    private readonly long _commandLimit;
    private readonly long _messageLimit;
    private long _used;
    private long _messageBytes;
    private int _messages;

    private CommandLiteralBudget(ImapCompletion? notAllowed, long literalLimit, long commandLimit, long messageLimit)
    {
        _notAllowed = notAllowed;
        _literalLimit = literalLimit;
        _commandLimit = commandLimit;
        _messageLimit = messageLimit;
    }

    /// <summary>The budget of the command whose first line is <paramref name="firstLine"/>, received in <paramref name="state"/>.</summary>
    public static CommandLiteralBudget For(ReadOnlyMemory<byte> firstLine, ImapState state, ImapCommandTable commands, ImapOptions options)
    {
        var notAllowed = Refusal(firstLine, state, commands, out var name);
        if (state == ImapState.NotAuthenticated)
        {
            return new CommandLiteralBudget(notAllowed, options.MaxLiteralSizeBeforeLogin, options.MaxCommandSizeBeforeLogin, messageLimit: 0);
        }

        return new CommandLiteralBudget(notAllowed, options.MaxLiteralSize, options.MaxCommandSize, name == "APPEND" ? options.AppendLimit : 0);
    }

    /// <summary>Counts a received line of the command against its cap.</summary>
    public void AddLine(int length) => _used += length;

    /// <summary>
    /// Null when the literal may be read; otherwise the tagged answer that refuses it. A refused
    /// non-synchronizing literal is on its way regardless (RFC 7888 §4): the caller answers the command and closes the connection.
    /// A small non-synchronizing literal of a command that will be refused anyway is taken, so the
    /// command can be answered in order like any other.
    /// </summary>
    public ImapCompletion? Admit(LiteralMarker marker)
    {
        if (marker.NonSynchronizing && marker.Length > MaxNonSynchronizingLiteral)
        {
            // RFC 7888 §4: LITERAL- refuses a larger one with BAD, TOOBIG (RFC 4469) as its reason.
            return new ImapCompletion(ImapStatus.Bad, $"Non-synchronizing literals are limited to {MaxNonSynchronizingLiteral} octets", "TOOBIG");
        }

        if (_notAllowed is not null && !(marker.NonSynchronizing && FitsCommand(marker.Length)))
        {
            return _notAllowed;
        }

        if (_notAllowed is null && _messageLimit > 0)
        {
            return AdmitMessage(marker.Length);
        }

        if (marker.Length > _literalLimit)
        {
            return ImapCompletion.Bad("Literal too large");
        }

        if (!FitsCommand(marker.Length))
        {
            return ImapCompletion.Bad("Command too large");
        }

        _used += marker.Length;
        return null;
    }

    /// <summary>An APPEND literal: a message (or the mailbox name, which counts the same).</summary>
    private ImapCompletion? AdmitMessage(long length)
    {
        if (length > _messageLimit)
        {
            return ImapCompletion.No($"Message exceeds APPENDLIMIT {_messageLimit}", "TOOBIG");
        }

        // One more literal than messages: the mailbox name may be one.
        if (++_messages > IMailboxStore.MaxMessagesPerAppend + 1)
        {
            return ImapCompletion.No($"APPEND takes at most {IMailboxStore.MaxMessagesPerAppend} messages", "LIMIT");
        }

        if (_messageBytes + length > _messageLimit)
        {
            // RFC 5530 §3 LIMIT: the client may append them in several commands.
            return ImapCompletion.No($"The messages of one APPEND exceed {_messageLimit} octets together", "LIMIT");
        }

        if (_used > _commandLimit)
        {
            return ImapCompletion.Bad("Command too large");
        }

        _messageBytes += length;
        return null;
    }

    private bool FitsCommand(long length) => length <= _literalLimit && _used + length <= _commandLimit;

    /// <summary>The BAD a command gets when it may not run now: unknown, malformed up to its name, or not valid in the state.</summary>
    private static ImapCompletion? Refusal(ReadOnlyMemory<byte> firstLine, ImapState state, ImapCommandTable commands, out string? name)
    {
        name = null;
        try
        {
            var reader = new ImapCommandReader(new ImapCommandText([new CommandLine(firstLine, null)]));
            reader.ReadTag();
            reader.ExpectSpace();
            name = reader.ReadAtom().ToUpperInvariant();
            var uid = name == "UID";
            if (uid)
            {
                reader.ExpectSpace();
                name = reader.ReadAtom().ToUpperInvariant();
            }

            var descriptor = commands.Find(name, uid);
            if (descriptor is null)
            {
                return ImapCompletion.Bad($"Unknown command {name}");
            }

            return (descriptor.States & state) == 0 ? ImapCompletion.Bad($"{name} is not valid in this state") : null;
        }
        catch (ImapSyntaxException e)
        {
            return ImapCompletion.Bad(e.Message);
        }
    }
}
