using MailCloud.Gateway.Imap.Protocol;

namespace MailCloud.Gateway.Imap.Session;

/// <summary>The states of RFC 9051 §3; a command lists the states it is valid in.</summary>
[Flags]
internal enum ImapState
{
    NotAuthenticated = 1,
    Authenticated = 2,
    Selected = 4,
    Logout = 8,
    Any = NotAuthenticated | Authenticated | Selected,
    AuthenticatedOrSelected = Authenticated | Selected,
}

/// <summary>One received command: its tag, name (upper case), whether it came with the UID prefix, and a reader positioned on its arguments.</summary>
internal sealed record ImapCommand(string Tag, string Name, bool Uid, ImapCommandReader Arguments);

internal enum ImapStatus
{
    Ok,
    No,
    Bad,
}

/// <summary>The tagged completion of a command (RFC 9051 §7.1): status, optional response code, and text.</summary>
internal sealed record ImapCompletion(ImapStatus Status, string Text, string? Code = null)
{
    public static ImapCompletion Ok(string text, string? code = null) => new(ImapStatus.Ok, text, code);

    public static ImapCompletion No(string text, string? code = null) => new(ImapStatus.No, text, code);

    public static ImapCompletion Bad(string text) => new(ImapStatus.Bad, text);

    /// <summary>The handler wrote the tagged response itself (STARTTLS must answer before the handshake).</summary>
    public static ImapCompletion AlreadySent { get; } = new(ImapStatus.Ok, "");
}

/// <summary>A command handler: writes its untagged responses and returns the tagged completion.</summary>
internal delegate Task<ImapCompletion> ImapCommandHandler(ImapSession session, ImapCommand command, CancellationToken cancellationToken);

/// <summary>
/// How the session treats a command: the states it is valid in, and whether EXPUNGE responses may
/// follow it (RFC 9051 §7.5.1 forbids them during FETCH, STORE and SEARCH, and so SORT and THREAD, which answer with sequence numbers too; not their UID forms).
/// </summary>
internal sealed record ImapCommandDescriptor(string Name, ImapState States, ImapCommandHandler Handler, bool UidForm = false)
{
    public bool AllowsExpunge(bool uid) => uid || Name is not ("FETCH" or "STORE" or "SEARCH" or "SORT" or "THREAD");
}
