using MailCloud.Core.Lists;
using MailCloud.Core.Mailboxes;
using MailCloud.Gateway.Imap.Protocol;
using MailCloud.Gateway.Imap.Session;

namespace MailCloud.Gateway.Imap.Commands;

/// <summary>Authenticated-state commands on mailboxes (RFC 9051 §6.3), except LIST and APPEND.</summary>
internal static class MailboxCommands
{
    // RFC 9051 §6.3.2 SELECT and §6.3.3 EXAMINE; RFC 7162 §3.1.8 (CONDSTORE) and §3.2.5 (QRESYNC) parameters.
    public static async Task<ImapCompletion> SelectAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var name = session.DecodeMailboxName(command.Arguments.ReadAString());
        var parameters = SelectParameters.Parse(command.Arguments);
        command.Arguments.ExpectEnd();
        if (parameters.Qresync is not null && !session.QresyncEnabled)
        {
            // RFC 7162 §3.2.5: BAD, and the selected mailbox (if any) stays selected.
            return ImapCompletion.Bad("QRESYNC not enabled");
        }

        if (parameters.CondStore)
        {
            session.CondStoreEnabled = true;
        }

        var location = await session.LocateAsync(name, cancellationToken).ConfigureAwait(false);
        var wasSelected = session.Selected is not null;
        await session.DeselectAsync().ConfigureAwait(false);
        if (wasSelected && (session.Rev2Enabled || session.CondStoreEnabled))
        {
            // RFC 9051 §7.1 and RFC 7162 §3.2.11 CLOSED: the previous mailbox is closed from here on (QRESYNC implies CONDSTORE).
            session.Writer.Raw("* OK [CLOSED] Previous mailbox closed").Crlf();
        }

        await session.SelectAsync(location, command.Name == "EXAMINE", cancellationToken).ConfigureAwait(false);
        var selected = session.RequireSelected;
        var readOnly = selected.ReadOnly;
        var snapshot = selected.Snapshot;
        var writer = session.Writer;
        writer.Raw("* ").Number(selected.Count).Raw(" EXISTS").Crlf();
        if (!session.Rev2Enabled)
        {
            writer.Raw("* ").Number(selected.RecentCount).Raw(" RECENT").Crlf();
            var firstUnseen = selected.Messages.FirstOrDefault(m => selected.Find(m.Uid) is { } message && !message.Flags.Has(SystemFlags.Seen));
            if (firstUnseen.SequenceNumber != 0)
            {
                writer.Raw("* OK [UNSEEN ").Number(firstUnseen.SequenceNumber).Raw("] First unseen").Crlf();
            }
        }

        selected.AnnounceKeywords(snapshot.Messages);
        FlagCodec.WriteFolderFlags(writer, selected.AnnouncedKeywords, readOnly);
        writer.Raw("* OK [UIDVALIDITY ").Number(snapshot.Status.UidValidity).Raw("] UIDs valid").Crlf();
        writer.Raw("* OK [UIDNEXT ").Number(snapshot.Status.UidNext).Raw("] Predicted next UID").Crlf();
        writer.Raw("* OK [HIGHESTMODSEQ ").Number(snapshot.Status.HighestModSeq).Raw("] Highest").Crlf();
        writer.Raw("* OK [MAILBOXID (").Raw(ObjectIds.MailboxId(snapshot.Status.FolderId)).Raw(")] Ok").Crlf();
        if (session.Rev2Enabled)
        {
            // RFC 9051 §6.3.2: a LIST response with the mailbox name.
            writer.Raw("* LIST () \"/\" ").String(session.EncodeMailboxName(name)).Crlf();
        }

        // RFC 7162 §3.2.5: with another UIDVALIDITY the client's UIDs mean nothing here, and it gets the plain SELECT answer.
        if (parameters.Qresync is { } qresync && qresync.UidValidity == snapshot.Status.UidValidity)
        {
            await QresyncResponses.WriteSelectResyncAsync(session, qresync, cancellationToken).ConfigureAwait(false);
        }

        return ImapCompletion.Ok($"{command.Name} completed", readOnly ? "READ-ONLY" : "READ-WRITE");
    }

    // RFC 9051 §6.3.4; CREATE-SPECIAL-USE (RFC 6154 §3).
    public static async Task<ImapCompletion> CreateAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var name = session.DecodeMailboxName(command.Arguments.ReadAString());
        var uses = command.Arguments.TryConsume(' ') ? ReadCreateUses(command.Arguments) : [];
        command.Arguments.ExpectEnd();
        if (name == "INBOX")
        {
            return ImapCompletion.No("INBOX always exists", "ALREADYEXISTS");
        }

        await session.LocateWritableAsync(name, cancellationToken).ConfigureAwait(false);

        // RFC 6154 §3: a use the server cannot give the mailbox is refused, and nothing is created. A folder keeps one use.
        var specialUse = SpecialUse.None;
        if (uses.Count > 1 || (uses.Count == 1 && !SpecialUseCodec.TryParse(uses[0], out specialUse)))
        {
            return ImapCompletion.No("Unsupported special-use attribute", "USEATTR");
        }

        var created = await session.Store.CreateFolderAsync(session.AccountId, name, specialUse, cancellationToken).ConfigureAwait(false);

        // RFC 8474 §4.1: the new mailbox's MAILBOXID in the tagged OK.
        return ImapCompletion.Ok("CREATE completed", $"MAILBOXID ({ObjectIds.MailboxId(created.FolderId)})");
    }

    // RFC 9051 §6.3.5
    public static async Task<ImapCompletion> DeleteAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var name = session.DecodeMailboxName(command.Arguments.ReadAString());
        command.Arguments.ExpectEnd();
        if (name == "INBOX")
        {
            return ImapCompletion.No("INBOX cannot be deleted", "CANNOT");
        }

        await session.LocateWritableAsync(name, cancellationToken).ConfigureAwait(false);

        if (session.Selected?.Name == name)
        {
            await session.DeselectAsync().ConfigureAwait(false);
        }

        await session.Store.DeleteFolderAsync(session.AccountId, name, cancellationToken).ConfigureAwait(false);
        return ImapCompletion.Ok("DELETE completed");
    }

    // RFC 9051 §6.3.6
    public static async Task<ImapCompletion> RenameAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var from = session.DecodeMailboxName(command.Arguments.ReadAString());
        command.Arguments.ExpectSpace();
        var to = session.DecodeMailboxName(command.Arguments.ReadAString());
        command.Arguments.ExpectEnd();
        if (to == "INBOX")
        {
            return ImapCompletion.No("Cannot rename to INBOX", "ALREADYEXISTS");
        }

        await session.LocateWritableAsync(from, cancellationToken).ConfigureAwait(false);
        await session.LocateWritableAsync(to, cancellationToken).ConfigureAwait(false);

        await session.Store.RenameFolderAsync(session.AccountId, from, to, cancellationToken).ConfigureAwait(false);
        return ImapCompletion.Ok("RENAME completed");
    }

    // RFC 9051 §6.3.7 SUBSCRIBE and §6.3.8 UNSUBSCRIBE
    public static async Task<ImapCompletion> SubscribeAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var name = session.DecodeMailboxName(command.Arguments.ReadAString());
        command.Arguments.ExpectEnd();
        var subscribe = command.Name == "SUBSCRIBE";
        if ((await session.LocateAsync(name, cancellationToken).ConfigureAwait(false)).Shared)
        {
            // The archives of the account's lists are always subscribed: the subscription is the membership.
            return subscribe ? ImapCompletion.Ok("SUBSCRIBE completed") : ImapCompletion.No("A list archive is subscribed while you are a member", "CANNOT");
        }

        await session.Store.SetSubscribedAsync(session.AccountId, name, subscribe, cancellationToken).ConfigureAwait(false);
        return ImapCompletion.Ok($"{command.Name} completed");
    }

    // RFC 9051 §6.3.11; MAILBOXID (RFC 8474 §4.3); SIZE (RFC 8438 §3: the folder row's total octets), HIGHESTMODSEQ (RFC 7162), RECENT (RFC 3501 §6.3.10: not yet claimed by a session).
    public static async Task<ImapCompletion> StatusAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var name = session.DecodeMailboxName(command.Arguments.ReadAString());
        command.Arguments.ExpectSpace();
        var items = ReadStatusItems(command.Arguments);
        command.Arguments.ExpectEnd();
        await WriteStatusAsync(session, name, items, cancellationToken).ConfigureAwait(false);
        return ImapCompletion.Ok("STATUS completed");
    }

    // RFC 2342 / RFC 9051 §6.3.10: one personal namespace and the shared one of the list archives (RFC 2342 §5), "/" delimited.
    public static Task<ImapCompletion> NamespaceAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        command.Arguments.ExpectEnd();
        session.Writer.Raw("* NAMESPACE ((\"\" \"/\")) NIL ((").String(ListArchive.NamespacePrefix).Raw(" \"").Raw(ListArchive.HierarchyDelimiter).Raw("\"))").Crlf();
        return Task.FromResult(ImapCompletion.Ok("NAMESPACE completed"));
    }

    /// <summary>create-params (RFC 4466 §2.2) holding "USE" SP "(" [use-attr *(SP use-attr)] ")" (RFC 6154 §6).</summary>
    private static IReadOnlyList<string> ReadCreateUses(ImapCommandReader reader)
    {
        reader.Expect('(');
        if (!reader.TryConsumeWord("USE"))
        {
            throw new ImapSyntaxException("Unknown CREATE parameter");
        }

        reader.ExpectSpace();
        var uses = reader.ReadFlagList();
        reader.Expect(')');
        return uses;
    }

    /// <summary>status-att list: "(" status-att *(SP status-att) ")".</summary>
    public static IReadOnlyList<string> ReadStatusItems(ImapCommandReader reader)
    {
        var items = new List<string>();
        reader.Expect('(');
        do
        {
            var item = reader.ReadAtom().ToUpperInvariant();
            if (item is not ("MESSAGES" or "UIDNEXT" or "UIDVALIDITY" or "UNSEEN" or "DELETED" or "SIZE" or "HIGHESTMODSEQ" or "RECENT" or "MAILBOXID"))
            {
                throw new ImapSyntaxException($"Unknown STATUS item {item}");
            }

            items.Add(item);
        }
        while (reader.TryConsume(' '));

        reader.Expect(')');
        return items;
    }

    /// <summary>
    /// \Recent messages: for an IMAP4rev1 session's own selected folder those recent in the session (as Dovecot
    /// answers), for any other those no session has claimed yet (RFC 3501 §6.3.10).
    /// </summary>
    private static int RecentCount(ImapSession session, string name, FolderStatus status, FolderSnapshot? snapshot) =>
        !session.Rev2Enabled && session.Selected is { } selected && selected.Name == name
            ? selected.RecentCount
            : snapshot?.Messages.Count(m => m.Uid >= status.FirstRecentUid) ?? 0;

    /// <summary>
    /// Writes "* STATUS name (...)"; counting DELETED, or RECENT while some messages are unclaimed,
    /// lists the folder; the rest is the folder row.
    /// </summary>
    public static async Task WriteStatusAsync(ImapSession session, string name, IReadOnlyList<string> items, CancellationToken cancellationToken)
    {
        var location = await session.LocateAsync(name, cancellationToken).ConfigureAwait(false);
        var status = await session.Store.GetStatusAsync(location.AccountId, location.Folder, cancellationToken).ConfigureAwait(false);
        FolderSnapshot? snapshot = null;
        if (items.Contains("DELETED") || (items.Contains("RECENT") && status.FirstRecentUid < status.UidNext))
        {
            snapshot = await session.Store.GetSnapshotAsync(location.AccountId, location.Folder, cancellationToken).ConfigureAwait(false);
        }

        var writer = session.Writer;
        writer.Raw("* STATUS ").String(session.EncodeMailboxName(name)).Raw(" (");
        for (var i = 0; i < items.Count; i++)
        {
            writer.Raw(i == 0 ? "" : " ").Raw(items[i]).Raw(' ');
            switch (items[i])
            {
                case "MESSAGES": writer.Number(status.MessageCount); break;
                case "UIDNEXT": writer.Number(status.UidNext); break;
                case "UIDVALIDITY": writer.Number(status.UidValidity); break;
                case "UNSEEN": writer.Number(status.UnseenCount); break;
                case "DELETED": writer.Number(snapshot!.Messages.Count(m => m.Flags.Has(SystemFlags.Deleted))); break;
                case "SIZE": writer.Number(status.TotalSize); break;
                case "HIGHESTMODSEQ": writer.Number(status.HighestModSeq); break;
                case "RECENT": writer.Number(RecentCount(session, name, status, snapshot)); break;
                case "MAILBOXID": writer.Raw('(').Raw(ObjectIds.MailboxId(status.FolderId)).Raw(')'); break;
            }
        }

        writer.Raw(")").Crlf();
    }
}
