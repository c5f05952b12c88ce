using MailCloud.Gateway.Imap.Protocol;
using MailCloud.Gateway.Imap.Session;

namespace MailCloud.Gateway.Imap.Commands;

/// <summary>
/// SORT and UID SORT (RFC 5256 §3, SORT=DISPLAY RFC 5957) with ESORT results (RFC 5267 §4.2). The
/// search criteria are decided as SEARCH decides them; the sort itself reads only the folder
/// view's index rows (<see cref="SortValue"/>), never a message blob.
/// </summary>
public static class SortCommand
{
    public static async Task<ImapCompletion> SortAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var selected = session.RequireSelected;
        var request = SortRequest.Parse(command.Arguments);
        var usesModSeq = SearchCommand.UsesModSeq(request.Key);
        if (usesModSeq)
        {
            session.CondStoreEnabled = true;
        }

        var matches = await SearchCommand.FindMatchesAsync(session, selected, request.Key, cancellationToken).ConfigureAwait(false);
        var rows = new List<(uint SequenceNumber, uint Number, ulong ModSeq, SortValue[] Values)>(matches.Count);
        foreach (var (sequenceNumber, uid, modSeq) in matches)
        {
            if (selected.Find(uid) is { } message)
            {
                rows.Add((sequenceNumber, command.Uid ? uid : sequenceNumber, modSeq, [.. request.Criteria.Select(c => SortValue.Of(c.Key, message))]));
            }
        }

        rows.Sort((a, b) =>
        {
            for (var i = 0; i < request.Criteria.Count; i++)
            {
                var order = a.Values[i].CompareTo(b.Values[i]);
                if (order != 0)
                {
                    return request.Criteria[i].Reverse ? -order : order;
                }
            }

            // RFC 5256 §3: messages equal on every criterion stay in mailbox order.
            return a.SequenceNumber.CompareTo(b.SequenceNumber);
        });

        var numbers = rows.Select(r => r.Number).ToList();
        var writer = session.Writer;
        if (request.Extended)
        {
            // RFC 5267 §4.2: MIN and MAX are the first and last in sort order, ALL keeps that order.
            writer.Raw("* ESEARCH (TAG ").String(command.Tag).Raw(')').Raw(command.Uid ? " UID" : "");
            if (numbers.Count > 0 && request.Return.HasFlag(SearchReturn.Min))
            {
                writer.Raw(" MIN ").Number(numbers[0]);
            }

            if (numbers.Count > 0 && request.Return.HasFlag(SearchReturn.Max))
            {
                writer.Raw(" MAX ").Number(numbers[^1]);
            }

            if (request.Return.HasFlag(SearchReturn.Count))
            {
                writer.Raw(" COUNT ").Number(numbers.Count);
            }

            if (numbers.Count > 0 && request.Return.HasFlag(SearchReturn.All))
            {
                writer.Raw(" ALL ").Raw(SequenceSet.Format(numbers));
            }

            if (numbers.Count > 0 && usesModSeq)
            {
                writer.Raw(" MODSEQ ").Number(rows.Max(r => r.ModSeq));
            }
        }
        else
        {
            writer.Raw("* SORT");
            foreach (var number in numbers)
            {
                writer.Raw(' ').Number(number);
            }

            if (numbers.Count > 0 && usesModSeq)
            {
                // RFC 7162 §3.1.5.
                writer.Raw(" (MODSEQ ").Number(rows.Max(r => r.ModSeq)).Raw(')');
            }
        }

        writer.Crlf();
        return ImapCompletion.Ok($"{(command.Uid ? "UID " : "")}SORT completed");
    }
}
