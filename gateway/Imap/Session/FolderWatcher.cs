using MailCloud.Core.Mailboxes;
using Microsoft.Extensions.Logging;

namespace MailCloud.Gateway.Imap.Session;

/// <summary>
/// Keeps the current <see cref="FolderSnapshot"/> of one folder for every session of this
/// process that has it selected: polls the folder's change token while it has subscribers,
/// and on a change asks only for the messages whose MODSEQ is above the one it knows and the UIDs
/// expunged since (the store's tombstones), merging both in; it lists the folder again only when
/// that cannot account for the folder (tombstones pruned past its MODSEQ, a race) or the UIDs were reassigned. Then it tells each subscriber. Sessions share the snapshot instead of holding copies.
/// </summary>
internal sealed partial class FolderWatcher : IAsyncDisposable
{
    private readonly IMailboxStore _store;
    private readonly TimeSpan _interval;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly List<Action> _subscribers = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _refreshGate = new(1, 1);
    private Task? _pollLoop;
    private FolderSnapshot? _snapshot;

    public FolderWatcher(IMailboxStore store, string accountId, string folder, TimeSpan interval, ILogger logger)
    {
        _store = store;
        AccountId = accountId;
        Folder = folder;
        _interval = interval;
        _logger = logger;
    }

    public string AccountId { get; }

    public string Folder { get; }

    /// <summary>The latest snapshot; loaded by the first <see cref="RefreshAsync"/>.</summary>
    public FolderSnapshot Snapshot => Volatile.Read(ref _snapshot) ?? throw new InvalidOperationException("The folder has not been loaded.");

    internal void Subscribe(Action onChanged)
    {
        lock (_lock)
        {
            _subscribers.Add(onChanged);
            _pollLoop ??= Task.Run(() => PollAsync(_stop.Token));
        }
    }

    /// <summary>Removes a subscriber; returns true when it was the last one.</summary>
    internal bool Unsubscribe(Action onChanged)
    {
        lock (_lock)
        {
            _subscribers.Remove(onChanged);
            return _subscribers.Count == 0;
        }
    }

    /// <summary>
    /// Reloads the snapshot if the change token moved (or when none is loaded) and tells the
    /// subscribers. Sessions call this right after changing the folder themselves.
    /// </summary>
    public async Task<FolderSnapshot> RefreshAsync(CancellationToken cancellationToken)
    {
        await _refreshGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = Volatile.Read(ref _snapshot);
            if (current is not null)
            {
                var token = await _store.GetChangeTokenAsync(AccountId, Folder, cancellationToken).ConfigureAwait(false);
                if (token == current.Status.ChangeToken)
                {
                    return current;
                }
            }

            var next = current is null ? null : await TryMergeChangesAsync(current, cancellationToken).ConfigureAwait(false);
            next ??= await _store.GetSnapshotAsync(AccountId, Folder, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _snapshot, next);
            if (current is not null)
            {
                Notify();
            }

            return next;
        }
        finally
        {
            _refreshGate.Release();
        }
    }

    /// <summary>
    /// The snapshot moved forward by the rows changed and the UIDs expunged since it was taken, or null
    /// when that cannot account for the folder as it now is (its message count differs from the merge)
    /// or the folder has a new UIDVALIDITY.
    /// </summary>
    private async Task<FolderSnapshot?> TryMergeChangesAsync(FolderSnapshot current, CancellationToken cancellationToken)
    {
        var changes = await _store.GetChangesAsync(AccountId, Folder, current.Status.HighestModSeq, cancellationToken).ConfigureAwait(false);
        if (changes.Status.UidValidity != current.Status.UidValidity)
        {
            return null;
        }

        var messages = current.Messages.ToDictionary(m => m.Uid);
        foreach (var message in changes.Changed)
        {
            messages[message.Uid] = message;
        }

        foreach (var uid in changes.Vanished)
        {
            messages.Remove(uid);
        }

        if (messages.Count != changes.Status.MessageCount)
        {
            return null;
        }

        var merged = messages.Values.OrderBy(m => m.Uid).ToList();
        var status = changes.Status with
        {
            TotalSize = merged.Sum(m => m.Size),
            UnseenCount = merged.Count(m => !m.Flags.Has(SystemFlags.Seen)),
        };
        return new FolderSnapshot(status, merged);
    }

    private void Notify()
    {
        Action[] subscribers;
        lock (_lock)
        {
            subscribers = [.. _subscribers];
        }

        foreach (var subscriber in subscribers)
        {
            subscriber();
        }
    }

    private async Task PollAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_interval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await RefreshAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A folder deleted or renamed under us, or storage briefly unavailable: keep the last snapshot.
                    LogPollFailed(e, Folder, AccountId);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_pollLoop is not null)
        {
            await _pollLoop.ConfigureAwait(false);
        }

        _stop.Dispose();
        _refreshGate.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Polling folder {Folder} of account {AccountId} failed")]
    private partial void LogPollFailed(Exception exception, string folder, string accountId);
}
