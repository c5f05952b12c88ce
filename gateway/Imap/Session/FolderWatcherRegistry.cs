using MailCloud.Core.Mailboxes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailCloud.Gateway.Imap.Session;

/// <summary>
/// One <see cref="FolderWatcher"/> per (account, folder) in this process, alive while at least
/// one session has the folder selected; so storage is polled once per selected folder, not once
/// per session.
/// </summary>
internal sealed class FolderWatcherRegistry(IMailboxStore store, IOptions<ImapOptions> options, ILogger<FolderWatcher> logger) : IAsyncDisposable
{
    private readonly Dictionary<(string AccountId, string Folder), FolderWatcher> _watchers = [];
    private readonly Lock _lock = new();

    /// <summary>Starts watching for <paramref name="onChanged"/>; dispose the lease to stop.</summary>
    public FolderLease Acquire(string accountId, string folder, Action onChanged)
    {
        FolderWatcher watcher;
        lock (_lock)
        {
            if (!_watchers.TryGetValue((accountId, folder), out var existing))
            {
                existing = new FolderWatcher(store, accountId, folder, options.Value.ChangePollInterval, logger);
                _watchers.Add((accountId, folder), existing);
            }

            watcher = existing;
            watcher.Subscribe(onChanged);
        }

        return new FolderLease(this, watcher, onChanged);
    }

    /// <summary>The watcher of a folder if some session of this process has it selected.</summary>
    public FolderWatcher? Find(string accountId, string folder)
    {
        lock (_lock)
        {
            return _watchers.GetValueOrDefault((accountId, folder));
        }
    }

    internal async ValueTask ReleaseAsync(FolderWatcher watcher, Action onChanged)
    {
        lock (_lock)
        {
            if (!watcher.Unsubscribe(onChanged))
            {
                return;
            }

            _watchers.Remove((watcher.AccountId, watcher.Folder));
        }

        await watcher.DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        FolderWatcher[] watchers;
        lock (_lock)
        {
            watchers = [.. _watchers.Values];
            _watchers.Clear();
        }

        foreach (var watcher in watchers)
        {
            await watcher.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>A session's subscription to a folder's changes.</summary>
internal sealed class FolderLease(FolderWatcherRegistry registry, FolderWatcher watcher, Action onChanged) : IAsyncDisposable
{
    public FolderWatcher Watcher { get; } = watcher;

    public ValueTask DisposeAsync() => registry.ReleaseAsync(Watcher, onChanged);
}
