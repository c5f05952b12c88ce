using MailCloud.Core.Mailboxes.Blobs;

namespace MailCloud.Core.Tests.Mailboxes;

/// <summary>The commit-point rules, without storage.</summary>
public class FolderStateTests
{
    private static readonly DateTimeOffset Now = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan Retention = TimeSpan.FromDays(1);

    [Fact]
    public void Readers_stop_below_the_lowest_live_reservation()
    {
        var (withFirst, first) = FolderState.Initial.Reserve(withUid: true, Now, Timeout, Retention);
        var (withBoth, second) = withFirst.Reserve(withUid: true, Now, Timeout, Retention);
        var secondDone = Complete(withBoth, second, 100, Now);

        var view = secondDone.View(Now, Timeout);

        Assert.Equal(first.Uid, view.UidNext);
        Assert.False(view.IsVisible(second.Uid!.Value));
        Assert.Equal(first.ModSeq - 1, view.HighestModSeq);
        Assert.Equal(1, view.MessageCount);
    }

    [Fact]
    public void A_completed_reservation_releases_the_readers()
    {
        var (withFirst, first) = FolderState.Initial.Reserve(withUid: true, Now, Timeout, Retention);
        var (withBoth, second) = withFirst.Reserve(withUid: true, Now, Timeout, Retention);
        var bothDone = Complete(Complete(withBoth, second, 100, Now), first, 50, Now);

        var view = bothDone.View(Now, Timeout);

        Assert.Equal(3u, view.UidNext);
        Assert.True(view.IsVisible(1) && view.IsVisible(2));
        Assert.Equal(second.ModSeq, view.HighestModSeq);
        Assert.Equal(150, view.TotalSize);
    }

    [Fact]
    public void A_stale_reservation_is_hidden_for_good_and_cannot_complete()
    {
        var later = Now + Timeout;
        var (withStale, stale) = FolderState.Initial.Reserve(withUid: true, Now, Timeout, Retention);
        var (pruned, fresh) = withStale.Reserve(withUid: true, later, Timeout, Retention);
        var freshDone = Complete(pruned, fresh, 10, later);

        var view = freshDone.View(later, Timeout);
        var (_, outcome) = freshDone.Complete(stale, 1, 10, later, Timeout);

        Assert.Equal(3u, view.UidNext);
        Assert.False(view.IsVisible(stale.Uid!.Value));
        Assert.True(view.IsVisible(fresh.Uid!.Value));
        Assert.Equal(CompletionOutcome.Abandoned, outcome);
        Assert.False(freshDone.IsCompleted(stale.Uid!.Value));
    }

    [Fact]
    public void A_stale_reservation_not_yet_pruned_is_abandoned_when_it_tries_to_complete()
    {
        var (withStale, stale) = FolderState.Initial.Reserve(withUid: true, Now, Timeout, Retention);

        var (next, outcome) = withStale.Complete(stale, 1, 10, Now + Timeout, Timeout);

        Assert.Equal(CompletionOutcome.Abandoned, outcome);
        Assert.NotNull(next);
        Assert.Equal(0, next.MessageCount);
        Assert.False(next.View(Now + Timeout, Timeout).IsVisible(stale.Uid!.Value));
    }

    [Fact]
    public void Completing_twice_counts_once()
    {
        var (reserved, reservation) = FolderState.Initial.Reserve(withUid: true, Now, Timeout, Retention);
        var done = Complete(reserved, reservation, 10, Now);

        var (next, outcome) = done.Complete(reservation, 1, 10, Now, Timeout);

        Assert.Null(next);
        Assert.Equal(CompletionOutcome.AlreadyCompleted, outcome);
        Assert.True(done.IsCompleted(reservation.Uid!.Value));
        Assert.Equal(1, done.MessageCount);
    }

    private static FolderState Complete(FolderState state, PendingChange change, long size, DateTimeOffset at)
    {
        var (next, outcome) = state.Complete(change, 1, size, at, Timeout);
        Assert.Equal(CompletionOutcome.Completed, outcome);
        return next!;
    }
}
