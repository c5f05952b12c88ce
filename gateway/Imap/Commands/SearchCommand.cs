using MailCloud.Gateway.Imap.Protocol;
using MailCloud.Gateway.Imap.Session;
using MimeKit;

namespace MailCloud.Gateway.Imap.Commands;

/// <summary>
/// SEARCH and UID SEARCH (RFC 9051 §6.4.4), ESEARCH results (RFC 4731, and always for IMAP4rev2
/// clients), MODSEQ (RFC 7162 §3.1.5). A message is opened only when the listing cannot decide.
/// </summary>
public static class SearchCommand
{
    public static async Task<ImapCompletion> SearchAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var selected = session.RequireSelected;
        var request = SearchRequest.Parse(command.Arguments);
        var usesModSeq = UsesModSeq(request.Key);
        if (usesModSeq)
        {
            session.CondStoreEnabled = true;
        }

        var matches = await FindMatchesAsync(session, selected, request.Key, cancellationToken).ConfigureAwait(false);
        var numbers = matches.Select(m => command.Uid ? m.Uid : m.SequenceNumber).ToList();
        var writer = session.Writer;
        if (request.Extended || session.Rev2Enabled)
        {
            // RFC 4731 §3.1: * ESEARCH (TAG "t") [UID] MIN n MAX n COUNT n ALL set.
            var returns = request.Extended ? request.Return : SearchReturn.All;
            writer.Raw("* ESEARCH (TAG ").String(command.Tag).Raw(')');
            if (command.Uid)
            {
                writer.Raw(" UID");
            }

            if (numbers.Count > 0 && returns.HasFlag(SearchReturn.Min))
            {
                writer.Raw(" MIN ").Number(numbers.Min());
            }

            if (numbers.Count > 0 && returns.HasFlag(SearchReturn.Max))
            {
                writer.Raw(" MAX ").Number(numbers.Max());
            }

            if (returns.HasFlag(SearchReturn.Count))
            {
                writer.Raw(" COUNT ").Number(numbers.Count);
            }

            if (numbers.Count > 0 && returns.HasFlag(SearchReturn.All))
            {
                writer.Raw(" ALL ").Raw(SequenceSet.Format(numbers));
            }

            if (numbers.Count > 0 && usesModSeq)
            {
                writer.Raw(" MODSEQ ").Number(matches.Max(m => m.ModSeq));
            }

            writer.Crlf();
        }
        else
        {
            writer.Raw("* SEARCH");
            foreach (var number in numbers)
            {
                writer.Raw(' ').Number(number);
            }

            if (numbers.Count > 0 && usesModSeq)
            {
                // RFC 7162 §3.1.5: the highest mod-sequence of the messages found.
                writer.Raw(" (MODSEQ ").Number(matches.Max(m => m.ModSeq)).Raw(')');
            }

            writer.Crlf();
        }

        return ImapCompletion.Ok($"{(command.Uid ? "UID " : "")}SEARCH completed");
    }

    private static bool UsesModSeq(SearchKey key) => key switch
    {
        SearchKey.ModSeq => true,
        SearchKey.And and => and.Keys.Any(UsesModSeq),
        SearchKey.Or or => UsesModSeq(or.Left) || UsesModSeq(or.Right),
        SearchKey.Not not => UsesModSeq(not.Key),
        _ => false,
    };

    /// <summary>Messages opened at once when the listing cannot decide: reads are latency-bound.</summary>
    private const int ConcurrentReads = 16;

    /// <summary>How much of a message is read when only its header is needed; a longer header is read whole.</summary>
    private const int HeaderReadLength = 64 * 1024;

    private static async Task<List<(uint SequenceNumber, uint Uid, ulong ModSeq)>> FindMatchesAsync(
        ImapSession session, SelectedMailbox selected, SearchKey key, CancellationToken cancellationToken)
    {
        // First pass on the listing alone (flags, sizes, dates, UIDs); only the undecided need their content.
        var count = (uint)selected.Count;
        var largestUid = selected.LargestUid;
        var decided = new Dictionary<uint, bool>();
        var undecided = new List<SearchCandidate>();
        foreach (var (sequenceNumber, uid) in selected.Messages)
        {
            if (selected.Find(uid) is not { } summary)
            {
                continue;
            }

            var candidate = new SearchCandidate(summary, sequenceNumber, count, largestUid, null);
            if (key.Evaluate(candidate) is { } result)
            {
                decided[uid] = result;
            }
            else
            {
                undecided.Add(candidate);
            }
        }

        var opened = new System.Collections.Concurrent.ConcurrentDictionary<uint, bool>();
        await Parallel.ForEachAsync(
            undecided,
            new ParallelOptions { MaxDegreeOfParallelism = ConcurrentReads, CancellationToken = cancellationToken },
            async (candidate, ct) =>
            {
                var message = await LoadAsync(session, selected.Name, candidate.Summary, key.NeedsBody, ct).ConfigureAwait(false);
                if (message is not null)
                {
                    opened[candidate.Summary.Uid] = key.Evaluate(candidate with { Message = message }) == true;
                }
            }).ConfigureAwait(false);

        var matches = new List<(uint SequenceNumber, uint Uid, ulong ModSeq)>();
        foreach (var (sequenceNumber, uid) in selected.Messages)
        {
            if ((decided.TryGetValue(uid, out var match) || opened.TryGetValue(uid, out match)) && match && selected.Find(uid) is { } summary)
            {
                matches.Add((sequenceNumber, uid, summary.ModSeq));
            }
        }

        return matches;
    }

    /// <summary>
    /// The message, or for a large message whose body is not needed only its first bytes with the
    /// whole header (a range read); null when it was expunged meanwhile.
    /// </summary>
    private static async Task<MimeMessage?> LoadAsync(ImapSession session, string folder, Core.Mailboxes.MessageSummary summary, bool needsBody, CancellationToken cancellationToken)
    {
        var uid = summary.Uid;
        try
        {
            if (!needsBody && summary.Size > HeaderReadLength)
            {
                await using var head = await session.Store.OpenMessageAsync(session.AccountId, folder, uid, 0, HeaderReadLength, cancellationToken).ConfigureAwait(false);
                using var buffer = new MemoryStream();
                await head.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (EndsHeader(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)))
                {
                    buffer.Position = 0;
                    return await MimeMessage.LoadAsync(buffer, cancellationToken).ConfigureAwait(false);
                }
            }

            await using var content = await session.Store.OpenMessageAsync(session.AccountId, folder, uid, cancellationToken: cancellationToken).ConfigureAwait(false);
            return await MimeMessage.LoadAsync(content, cancellationToken).ConfigureAwait(false);
        }
        catch (Core.Mailboxes.MessageNotFoundException)
        {
            return null;
        }
    }

    /// <summary>True when the bytes contain the empty line that ends a header (RFC 5322 §2.1).</summary>
    private static bool EndsHeader(ReadOnlySpan<byte> bytes) =>
        bytes.IndexOf("\r\n\r\n"u8) >= 0 || bytes.IndexOf("\n\n"u8) >= 0;
}
