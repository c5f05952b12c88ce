using MailCloud.Gateway.Imap.Protocol;
using MailCloud.Gateway.Imap.Session;

namespace MailCloud.Gateway.Imap.Commands;

/// <summary>
/// THREAD and UID THREAD. THREAD=ORDEREDSUBJECT (RFC 5256 §4): the matching messages grouped by
/// base subject, each group a parent (its earliest message) with the rest as its children in sent
/// date order, and the groups in the sent date order of their parents. THREAD=REFERENCES (§3): the
/// <see cref="ReferencesThreader"/> over the Message-ID, In-Reply-To and References the index captured
/// at append (rows from before that have none, so they thread by subject only). Like SORT, from the
/// index rows alone.
/// </summary>
internal static class ThreadCommand
{
    private static readonly SortCriterion[] SubjectThenDate = [new(SortKey.Subject, false), new(SortKey.Date, false)];

    public static async Task<ImapCompletion> ThreadAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var request = ThreadRequest.Parse(command.Arguments);
        if (request.Algorithm == ThreadAlgorithm.References)
        {
            await WriteReferencesAsync(session, command, request, cancellationToken).ConfigureAwait(false);
            return ImapCompletion.Ok($"{(command.Uid ? "UID " : "")}THREAD completed");
        }

        var sorted = await SortCommand.SortMatchesAsync(session, request.Key, SubjectThenDate, cancellationToken).ConfigureAwait(false);

        // Sorted by base subject, then sent date: each run of one subject is a thread, its first message the parent.
        var threads = new List<List<SortCommand.SortedMatch>>();
        foreach (var match in sorted)
        {
            if (threads.Count > 0 && threads[^1][0].Values[0].Equals(match.Values[0]))
            {
                threads[^1].Add(match);
            }
            else
            {
                threads.Add([match]);
            }
        }

        var writer = session.Writer;
        writer.Raw("* THREAD").Raw(threads.Count > 0 ? " " : "");
        foreach (var thread in threads.OrderBy(t => t[0].Values[1]).ThenBy(t => t[0].SequenceNumber))
        {
            // RFC 5256 §4: "(parent child)" for one child, "(parent (child)(child)...)" for more.
            writer.Raw('(').Number(Number(thread[0]));
            if (thread.Count == 2)
            {
                writer.Raw(' ').Number(Number(thread[1]));
            }
            else if (thread.Count > 2)
            {
                writer.Raw(' ');
                foreach (var child in thread.Skip(1))
                {
                    writer.Raw('(').Number(Number(child)).Raw(')');
                }
            }

            writer.Raw(')');
        }

        writer.Crlf();
        return ImapCompletion.Ok($"{(command.Uid ? "UID " : "")}THREAD completed");

        uint Number(SortCommand.SortedMatch match) => command.Uid ? match.Uid : match.SequenceNumber;
    }

    private static async Task WriteReferencesAsync(ImapSession session, ImapCommand command, ThreadRequest request, CancellationToken cancellationToken)
    {
        var selected = session.RequireSelected;
        var matches = await SearchCommand.FindMatchesAsync(session, selected, request.Key, cancellationToken).ConfigureAwait(false);
        var messages = new List<ThreadMessage>(matches.Count);
        foreach (var (sequenceNumber, uid, _) in matches)
        {
            if (selected.Find(uid) is { } message)
            {
                var headers = message.Headers;
                messages.Add(new ThreadMessage(
                    command.Uid ? uid : sequenceNumber,
                    sequenceNumber,
                    SortValue.SentDate(headers?.Date, message.InternalDate).UtcTicks,
                    headers?.Subject,
                    headers?.MessageId,
                    headers?.InReplyTo,
                    headers?.References));
            }
        }

        var threads = ReferencesThreader.Thread(messages);
        session.Writer.Raw("* THREAD").Raw(threads.Length > 0 ? " " : "").Raw(threads).Crlf();
    }
}
