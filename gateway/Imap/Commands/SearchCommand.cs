using MailCloud.Gateway.Imap.Protocol;
using MailCloud.Gateway.Imap.Session;
using MimeKit;

namespace MailCloud.Gateway.Imap.Commands;

/// <summary>
/// SEARCH and UID SEARCH (RFC 9051 §6.4.4), ESEARCH results (RFC 4731, and always for IMAP4rev2
/// clients), MODSEQ (RFC 7162 §3.1.5). A message is opened only when the listing cannot decide.
/// </summary>
internal static class SearchCommand
{
    public static async Task<ImapCompletion> SearchAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var selected = session.RequireSelected;
        var request = SearchRequest.Parse(command.Arguments);
        var usesModSeq = UsesModSeq(request.Key);
        if (usesModSeq)
        {
            session.EnableCondStore();
        }

        var matches = await FindMatchesAsync(session, selected, request.Key, cancellationToken).ConfigureAwait(false);
        var numbers = matches.Select(m => command.Uid ? m.Uid : m.SequenceNumber).ToList();
        // RFC 7162 §3.1.5: the highest mod-sequence of the messages found.
        ulong? modSeq = numbers.Count > 0 && usesModSeq ? matches.Max(m => m.ModSeq) : null;
        if (request.Extended || session.Rev2Enabled)
        {
            // RFC 4731 §3.1: * ESEARCH (TAG "t") [UID] MIN n MAX n COUNT n ALL set.
            var returns = request.Extended ? request.Return : SearchReturn.All;
            SearchResponse.WriteEsearch(session.Writer, command.Tag, command.Uid, returns, numbers, numbers.Count > 0 && usesModSeq ? ReturnedModSeq(matches, returns) : null);
        }
        else
        {
            SearchResponse.WriteList(session.Writer, "SEARCH", numbers, modSeq);
        }

        return ImapCompletion.Ok($"{(command.Uid ? "UID " : "")}SEARCH completed");
    }

    /// <summary>
    /// RFC 4731 §3.2, RFC 7162 §3.1.5: with MIN and/or MAX alone, the highest MODSEQ of the messages
    /// they return; with ALL or COUNT, of every message found (matches are in ascending order).
    /// </summary>
    private static ulong ReturnedModSeq(List<(uint SequenceNumber, uint Uid, ulong ModSeq)> matches, SearchReturn returns) =>
        (returns & (SearchReturn.All | SearchReturn.Count)) != 0
            ? matches.Max(m => m.ModSeq)
            : Math.Max(returns.HasFlag(SearchReturn.Min) ? matches[0].ModSeq : 0, returns.HasFlag(SearchReturn.Max) ? matches[^1].ModSeq : 0);

    /// <summary>RFC 7162 §3.1.5: a search with MODSEQ reports a mod-sequence (SEARCH and SORT).</summary>
    internal static bool UsesModSeq(SearchKey key) => key switch
    {
        SearchKey.ModSeq => true,
        SearchKey.And and => and.Keys.Any(UsesModSeq),
        SearchKey.Or or => UsesModSeq(or.Left) || UsesModSeq(or.Right),
        SearchKey.Not not => UsesModSeq(not.Key),
        _ => false,
    };

    /// <summary>Messages opened at once when the listing cannot decide: reads are latency-bound.</summary>
    private const int ConcurrentReads = 16;

    /// <summary>The messages of the view that match <paramref name="key"/>, ascending (SEARCH, and what SORT sorts).</summary>
    internal static async Task<List<(uint SequenceNumber, uint Uid, ulong ModSeq)>> FindMatchesAsync(
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

            var candidate = new SearchCandidate(summary, selected.IsRecent(uid), sequenceNumber, count, largestUid, null);
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
                var message = await LoadAsync(session, selected, candidate.Summary, key.NeedsBody, ct).ConfigureAwait(false);
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
    /// The whole message, or, when <paramref name="needsBody"/> is false, a message of its header
    /// alone from the gateway's header cache; null when it was expunged meanwhile.
    /// </summary>
    private static async Task<MimeMessage?> LoadAsync(ImapSession session, SelectedMailbox selected, Core.Mailboxes.MessageSummary summary, bool needsBody, CancellationToken cancellationToken)
    {
        if (!needsBody)
        {
            return await session.Services.Headers.GetAsync(session.Store, selected.AccountId, selected.Folder, selected.UidValidity, summary, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            // MimeKit holds a non-persistent parse in memory anyway; a seekable copy lets the limits re-parse.
            using var raw = new MemoryStream((int)Math.Min(summary.Size, int.MaxValue));
            await using (var content = await session.Store.OpenMessageAsync(summary, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                await content.CopyToAsync(raw, cancellationToken).ConfigureAwait(false);
            }

            raw.Position = 0;
            return await MimeLimits.ParseAsync(raw, persistent: false, _ => { }, cancellationToken).ConfigureAwait(false);
        }
        catch (Core.Mailboxes.MessageNotFoundException)
        {
            return null;
        }
    }
}
