using MailCloud.Gateway.Imap.Session;

namespace MailCloud.Gateway.Imap.Commands;

/// <summary>Every command the server knows, by name, with the states it is valid in (RFC 9051 §6).</summary>
internal sealed class ImapCommandTable
{
    private readonly Dictionary<string, ImapCommandDescriptor> _commands;
    private readonly Dictionary<string, ImapCommandDescriptor> _uidCommands;

    public ImapCommandTable()
    {
        ImapCommandDescriptor[] all =
        [
            new("CAPABILITY", ImapState.Any, AuthenticationCommands.CapabilityAsync),
            new("NOOP", ImapState.Any, AuthenticationCommands.NoopAsync),
            new("LOGOUT", ImapState.Any, AuthenticationCommands.LogoutAsync),
            new("ID", ImapState.Any, AuthenticationCommands.IdAsync),
            new("STARTTLS", ImapState.NotAuthenticated, AuthenticationCommands.StartTlsAsync),
            new("LOGIN", ImapState.NotAuthenticated, AuthenticationCommands.LoginAsync),
            new("AUTHENTICATE", ImapState.NotAuthenticated, AuthenticationCommands.AuthenticateAsync),
            new("ENABLE", ImapState.AuthenticatedOrSelected, AuthenticationCommands.EnableAsync),
            new("SELECT", ImapState.AuthenticatedOrSelected, MailboxCommands.SelectAsync),
            new("EXAMINE", ImapState.AuthenticatedOrSelected, MailboxCommands.SelectAsync),
            new("CREATE", ImapState.AuthenticatedOrSelected, MailboxCommands.CreateAsync),
            new("DELETE", ImapState.AuthenticatedOrSelected, MailboxCommands.DeleteAsync),
            new("RENAME", ImapState.AuthenticatedOrSelected, MailboxCommands.RenameAsync),
            new("SUBSCRIBE", ImapState.AuthenticatedOrSelected, MailboxCommands.SubscribeAsync),
            new("UNSUBSCRIBE", ImapState.AuthenticatedOrSelected, MailboxCommands.SubscribeAsync),
            new("STATUS", ImapState.AuthenticatedOrSelected, MailboxCommands.StatusAsync),
            new("NAMESPACE", ImapState.AuthenticatedOrSelected, MailboxCommands.NamespaceAsync),
            new("LIST", ImapState.AuthenticatedOrSelected, ListCommands.ListAsync),
            new("LSUB", ImapState.AuthenticatedOrSelected, ListCommands.LsubAsync),
            new("APPEND", ImapState.AuthenticatedOrSelected, AppendCommand.AppendAsync),
            new("IDLE", ImapState.AuthenticatedOrSelected, IdleCommand.IdleAsync),
            new("CHECK", ImapState.Selected, ExpungeCommands.CheckAsync),
            new("COMPRESS", ImapState.AuthenticatedOrSelected, CompressCommand.CompressAsync),
            new("GETQUOTA", ImapState.AuthenticatedOrSelected, QuotaCommands.GetQuotaAsync),
            new("GETQUOTAROOT", ImapState.AuthenticatedOrSelected, QuotaCommands.GetQuotaRootAsync),
            new("SETQUOTA", ImapState.AuthenticatedOrSelected, QuotaCommands.SetQuotaAsync),
            new("CLOSE", ImapState.Selected, ExpungeCommands.CloseAsync),
            new("UNSELECT", ImapState.Selected, ExpungeCommands.UnselectAsync),
            new("EXPUNGE", ImapState.Selected, ExpungeCommands.ExpungeAsync, UidForm: true),
            new("FETCH", ImapState.Selected, FetchCommand.FetchAsync, UidForm: true),
            new("STORE", ImapState.Selected, StoreCommand.StoreAsync, UidForm: true),
            new("SEARCH", ImapState.Selected, SearchCommand.SearchAsync, UidForm: true),
            new("SORT", ImapState.Selected, SortCommand.SortAsync, UidForm: true),
            new("THREAD", ImapState.Selected, ThreadCommand.ThreadAsync, UidForm: true),
            new("COPY", ImapState.Selected, CopyMoveCommands.CopyAsync, UidForm: true),
            new("MOVE", ImapState.Selected, CopyMoveCommands.MoveAsync, UidForm: true),
        ];
        _commands = all.ToDictionary(c => c.Name);
        _uidCommands = all.Where(c => c.UidForm).ToDictionary(c => c.Name);
    }

    /// <summary>The command of that name (upper case), or null; with <paramref name="uid"/> only the UID forms (RFC 9051 §6.4.9).</summary>
    public ImapCommandDescriptor? Find(string name, bool uid) =>
        (uid ? _uidCommands : _commands).GetValueOrDefault(name);
}
