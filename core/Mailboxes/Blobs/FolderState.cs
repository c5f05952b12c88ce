using System.Collections.Immutable;

namespace MailCloud.Core.Mailboxes.Blobs;

/// <summary>
/// A change in flight: it owns MODSEQ <see cref="ModSeq"/> and, for an append, UID <see cref="Uid"/>.
/// Readers show nothing at or above it until it completes or goes stale.
/// </summary>
internal sealed record PendingChange(ulong ModSeq, uint? Uid, DateTimeOffset At);

/// <summary>A UID whose append went stale or failed: never shown, even if its blob turns up later.</summary>
internal sealed record AbandonedUid(uint Uid, DateTimeOffset At);

internal enum CompletionOutcome
{
    Completed,

    /// <summary>Someone else completed it already (a concurrent retry of the same delivery).</summary>
    AlreadyCompleted,

    /// <summary>The reservation went stale or was given up; its UID will never be shown.</summary>
    Abandoned,
}

/// <summary>What a reader may show of a folder at one moment (see <see cref="FolderState.View"/>).</summary>
internal sealed record FolderView(uint UidNext, ulong HighestModSeq, int MessageCount, long TotalSize, IReadOnlySet<uint> HiddenUids)
{
    public bool IsVisible(uint uid) => uid < UidNext && !HiddenUids.Contains(uid);
}

/// <summary>
/// <c>&lt;accountId&gt;/f/&lt;folderId&gt;/state.json</c>, the folder's commit point. Every change to a
/// folder reserves here first (UID and/or MODSEQ, recorded as pending), writes its blobs, then
/// completes here; so the blob's ETag moves after the last blob write and serves as the change
/// token. Its size depends on changes in flight, never on the number of messages.
/// All members are pure; <see cref="FolderStateStore"/> applies them by CAS.
/// </summary>
internal sealed record FolderState(
    uint UidNext,
    ulong HighestModSeq,
    int MessageCount,
    long TotalSize,
    ImmutableList<PendingChange> Pending,
    ImmutableList<AbandonedUid> Abandoned)
{
    /// <summary>A folder nobody has written to yet (state.json is created by the first change).</summary>
    public static FolderState Initial { get; } = new(1, 1, 0, 0, [], []);

    /// <summary>
    /// The reader's view (invariant: UIDs appear in commit order). UIDNEXT and HIGHESTMODSEQ stop
    /// below the lowest live reservation, so a client never sees UID n+1 and later a new UID n,
    /// nor syncs past a MODSEQ still being written. Stale reservations are hidden for good.
    /// </summary>
    public FolderView View(DateTimeOffset now, TimeSpan pendingTimeout)
    {
        var uidNext = UidNext;
        var highestModSeq = HighestModSeq;
        var hidden = new HashSet<uint>(Abandoned.Select(a => a.Uid));
        foreach (var change in Pending)
        {
            if (!IsLive(change, now, pendingTimeout))
            {
                if (change.Uid is { } staleUid)
                {
                    hidden.Add(staleUid);
                }

                continue;
            }

            highestModSeq = Math.Min(highestModSeq, change.ModSeq - 1);
            if (change.Uid is { } uid)
            {
                uidNext = Math.Min(uidNext, uid);
            }
        }

        return new FolderView(uidNext, highestModSeq, MessageCount, TotalSize, hidden);
    }

    public PendingChange? FindPendingUid(uint uid) => Pending.Find(p => p.Uid == uid);

    /// <summary>True when <paramref name="uid"/> was appended and completed (it may have been expunged since).</summary>
    public bool IsCompleted(uint uid) => uid < UidNext && FindPendingUid(uid) is null && !Abandoned.Exists(a => a.Uid == uid);

    /// <summary>Takes the next MODSEQ (and UID) and records them as pending, pruning stale entries first.</summary>
    public (FolderState Next, PendingChange Change) Reserve(bool withUid, DateTimeOffset now, TimeSpan pendingTimeout, TimeSpan abandonedRetention)
    {
        var state = Prune(now, pendingTimeout, abandonedRetention);
        if (withUid && state.UidNext == uint.MaxValue)
        {
            throw new InvalidOperationException("The folder has run out of UIDs; it needs a new UIDVALIDITY.");
        }

        var change = new PendingChange(state.HighestModSeq + 1, withUid ? state.UidNext : null, now);
        var next = state with
        {
            UidNext = withUid ? state.UidNext + 1 : state.UidNext,
            HighestModSeq = change.ModSeq,
            Pending = state.Pending.Add(change),
        };
        return (next, change);
    }

    /// <summary>
    /// Completes a reservation and applies its effect on the counters. A reservation that went
    /// stale is abandoned instead: readers may already show higher UIDs, so it must never appear.
    /// Returns null as the next state when nothing is to be written.
    /// </summary>
    public (FolderState? Next, CompletionOutcome Outcome) Complete(PendingChange reservation, int messageDelta, long sizeDelta, DateTimeOffset now, TimeSpan pendingTimeout)
    {
        var change = Pending.Find(p => p.ModSeq == reservation.ModSeq);
        if (change is null)
        {
            var abandoned = reservation.Uid is { } uid && Abandoned.Exists(a => a.Uid == uid);
            return (null, abandoned ? CompletionOutcome.Abandoned : CompletionOutcome.AlreadyCompleted);
        }

        if (!IsLive(change, now, pendingTimeout))
        {
            return (Abandon(change, now), CompletionOutcome.Abandoned);
        }

        var next = this with
        {
            MessageCount = MessageCount + messageDelta,
            TotalSize = TotalSize + sizeDelta,
            Pending = Pending.Remove(change),
        };
        return (next, CompletionOutcome.Completed);
    }

    /// <summary>Gives a reservation up: its MODSEQ is simply skipped, its UID is never shown.</summary>
    public FolderState Abandon(PendingChange change, DateTimeOffset now) => this with
    {
        Pending = Pending.Remove(change),
        Abandoned = change.Uid is { } uid ? Abandoned.Add(new AbandonedUid(uid, now)) : Abandoned,
    };

    private FolderState Prune(DateTimeOffset now, TimeSpan pendingTimeout, TimeSpan abandonedRetention)
    {
        var stale = Pending.FindAll(p => !IsLive(p, now, pendingTimeout));
        var expired = Abandoned.FindAll(a => now - a.At > abandonedRetention);
        if (stale.IsEmpty && expired.IsEmpty)
        {
            return this;
        }

        var state = this with { Abandoned = Abandoned.RemoveRange(expired) };
        foreach (var change in stale)
        {
            state = state.Abandon(change, now);
        }

        return state;
    }

    private static bool IsLive(PendingChange change, DateTimeOffset now, TimeSpan pendingTimeout) => now - change.At < pendingTimeout;
}
