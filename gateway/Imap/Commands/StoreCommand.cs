using MailCloud.Core.Mailboxes;
using MailCloud.Gateway.Imap.Protocol;
using MailCloud.Gateway.Imap.Session;

namespace MailCloud.Gateway.Imap.Commands;

/// <summary>STORE and UID STORE (RFC 9051 §6.4.6) with UNCHANGEDSINCE (RFC 7162 §3.1.3).</summary>
internal static class StoreCommand
{
    public static async Task<ImapCompletion> StoreAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var selected = session.RequireSelected;
        var arguments = command.Arguments;
        var set = arguments.ReadSequenceSet();
        arguments.ExpectSpace();
        ulong? unchangedSince = null;
        if (arguments.TryConsume('('))
        {
            if (!arguments.TryConsumeWord("UNCHANGEDSINCE"))
            {
                throw new ImapSyntaxException("Unknown STORE modifier");
            }

            arguments.ExpectSpace();
            unchangedSince = arguments.ReadNumber64();
            arguments.Expect(')');
            arguments.ExpectSpace();
            session.EnableCondStore();
        }

        var item = arguments.ReadAtom().ToUpperInvariant();
        var silent = item.EndsWith(".SILENT", StringComparison.Ordinal);
        var mode = (silent ? item[..^".SILENT".Length] : item) switch
        {
            "FLAGS" => FlagChangeMode.Replace,
            "+FLAGS" => FlagChangeMode.Add,
            "-FLAGS" => FlagChangeMode.Remove,
            _ => throw new ImapSyntaxException($"Unknown STORE item {item}"),
        };
        arguments.ExpectSpace();
        var flags = FlagCodec.Parse(arguments.ReadFlagList(allowBare: true));
        arguments.ExpectEnd();
        if (selected.ReadOnly)
        {
            return ImapCompletion.No("Mailbox is read-only", "READ-ONLY");
        }

        var targets = selected.Resolve(set, command.Uid);
        var uids = targets.Select(t => t.Uid).Where(u => selected.Find(u) is not null).ToList();
        StoreFlagsResult result = new([], []);
        if (uids.Count > 0)
        {
            result = await session.Store.StoreFlagsAsync(selected.AccountId, selected.Folder, uids, mode, flags, unchangedSince, cancellationToken).ConfigureAwait(false);
            await selected.RefreshAsync(cancellationToken).ConfigureAwait(false);
        }

        // The changes come back as FETCH responses through the session's update report;
        // with .SILENT this session's own changes are left out of it (RFC 9051 §6.4.6).
        var updates = await session.TakeUpdatesAsync(allowExpunge: command.Uid, cancellationToken).ConfigureAwait(false);
        if (silent)
        {
            var changed = result.Changed.Select(m => m.Uid).ToHashSet();
            updates = updates with { FlagChanges = updates.FlagChanges.Where(c => !changed.Contains(c.Message.Uid)).ToList() };
        }

        session.WriteUpdates(updates);
        if (result.FailedUnchangedSince.Count > 0)
        {
            var failed = command.Uid
                ? result.FailedUnchangedSince.Order()
                : result.FailedUnchangedSince.Select(selected.SequenceOf).Where(s => s != 0).Order();
            return ImapCompletion.Ok("Some messages were modified since", "MODIFIED " + SequenceSet.Format(failed));
        }

        return ImapCompletion.Ok($"{(command.Uid ? "UID " : "")}STORE completed");
    }
}
