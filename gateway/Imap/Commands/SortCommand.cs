using MailCloud.Gateway.Imap.Protocol;
using MailCloud.Gateway.Imap.Session;

namespace MailCloud.Gateway.Imap.Commands;

/// <summary>
/// SORT and UID SORT (RFC 5256 §3, SORT=DISPLAY RFC 5957) with ESORT results (RFC 5267 §4.2). The
/// search criteria are decided as SEARCH decides them; the sort itself reads only the folder
/// view's index rows (<see cref="SortValue"/>), never a message blob.
/// </summary>
internal static class SortCommand
{
    public static async Task<ImapCompletion> SortAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var request = SortRequest.Parse(command.Arguments);
        var usesModSeq = SearchCommand.UsesModSeq(request.Key);
        if (usesModSeq)
        {
            session.CondStoreEnabled = true;
        }

        var sorted = await SortMatchesAsync(session, request.Key, request.Criteria, cancellationToken).ConfigureAwait(false);
        var numbers = sorted.Select(m => command.Uid ? m.Uid : m.SequenceNumber).ToList();

        // RFC 7162 §3.1.5: the highest mod-sequence of the messages found.
        ulong? modSeq = numbers.Count > 0 && usesModSeq ? sorted.Max(m => m.ModSeq) : null;
        if (request.Extended)
        {
            SearchResponse.WriteEsearch(session.Writer, command.Tag, command.Uid, request.Return, numbers, modSeq);
        }
        else
        {
            SearchResponse.WriteList(session.Writer, "SORT", numbers, modSeq);
        }

        return ImapCompletion.Ok($"{(command.Uid ? "UID " : "")}SORT completed");
    }

    /// <summary>One sorted message, with its values for the criteria it was sorted by.</summary>
    internal sealed record SortedMatch(uint SequenceNumber, uint Uid, ulong ModSeq, SortValue[] Values);

    /// <summary>The messages of the selected view that match <paramref name="key"/>, sorted by <paramref name="criteria"/>.</summary>
    internal static async Task<List<SortedMatch>> SortMatchesAsync(ImapSession session, SearchKey key, IReadOnlyList<SortCriterion> criteria, CancellationToken cancellationToken)
    {
        var selected = session.RequireSelected;
        var matches = await SearchCommand.FindMatchesAsync(session, selected, key, cancellationToken).ConfigureAwait(false);
        var rows = new List<SortedMatch>(matches.Count);
        foreach (var (sequenceNumber, uid, modSeq) in matches)
        {
            if (selected.Find(uid) is { } message)
            {
                rows.Add(new SortedMatch(sequenceNumber, uid, modSeq, [.. criteria.Select(c => SortValue.Of(c.Key, message))]));
            }
        }

        rows.Sort((a, b) =>
        {
            for (var i = 0; i < criteria.Count; i++)
            {
                var order = a.Values[i].CompareTo(b.Values[i]);
                if (order != 0)
                {
                    return criteria[i].Reverse ? -order : order;
                }
            }

            // RFC 5256 §3: messages equal on every criterion stay in mailbox order.
            return a.SequenceNumber.CompareTo(b.SequenceNumber);
        });
        return rows;
    }
}
