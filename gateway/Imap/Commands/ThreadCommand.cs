using MailCloud.Gateway.Imap.Protocol;
using MailCloud.Gateway.Imap.Session;

namespace MailCloud.Gateway.Imap.Commands;

/// <summary>
/// THREAD and UID THREAD with THREAD=ORDEREDSUBJECT (RFC 5256 §4): the matching messages grouped by
/// base subject, each group a parent (its earliest message) with the rest as its children in sent
/// date order, and the groups in the sent date order of their parents. Like SORT, from the index
/// rows alone.
/// </summary>
public static class ThreadCommand
{
    public static async Task<ImapCompletion> ThreadAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var selected = session.RequireSelected;
        var request = ThreadRequest.Parse(command.Arguments);
        var matches = await SearchCommand.FindMatchesAsync(session, selected, request.Key, cancellationToken).ConfigureAwait(false);
        var rows = new List<(uint SequenceNumber, uint Number, SortValue Subject, SortValue Date)>(matches.Count);
        foreach (var (sequenceNumber, uid, _) in matches)
        {
            if (selected.Find(uid) is { } message)
            {
                rows.Add((sequenceNumber, command.Uid ? uid : sequenceNumber, SortValue.Of(SortKey.Subject, message), SortValue.Of(SortKey.Date, message)));
            }
        }

        // Sent date order (then mailbox order) within each base subject, and threads by their first message.
        var threads = rows
            .OrderBy(r => r.Date).ThenBy(r => r.SequenceNumber)
            .GroupBy(r => r.Subject)
            .Select(g => g.ToList())
            .OrderBy(t => t[0].Date).ThenBy(t => t[0].SequenceNumber);
        var writer = session.Writer;
        writer.Raw("* THREAD").Raw(rows.Count > 0 ? " " : "");
        foreach (var thread in threads)
        {
            // RFC 5256 §4: "(parent child)" for one child, "(parent (child)(child)...)" for more.
            writer.Raw('(').Number(thread[0].Number);
            if (thread.Count == 2)
            {
                writer.Raw(' ').Number(thread[1].Number);
            }
            else if (thread.Count > 2)
            {
                writer.Raw(' ');
                foreach (var child in thread.Skip(1))
                {
                    writer.Raw('(').Number(child.Number).Raw(')');
                }
            }

            writer.Raw(')');
        }

        writer.Crlf();
        return ImapCompletion.Ok($"{(command.Uid ? "UID " : "")}THREAD completed");
    }
}
