using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;

namespace MailCloud.Core.Mailboxes.Tables;

/// <summary>
/// Group commit for one account's partition in this process. Changes that arrive while a
/// transaction is in flight queue up and go into the next one together (up to 100 entities and
/// about 4 MB), so a burst of deliveries or STOREs costs a few transactions instead of a queue
/// of conflicting ones. Each caller still gets its own outcome: a change that throws in
/// <see cref="PartitionChange.Apply"/> (over quota, unknown folder) or whose own row is refused
/// fails alone, and the rest commit.
/// <para>The account and folder rows are kept as last committed, with their ETags, so an
/// uncontended change costs one request. A 412 on them means another instance committed:
/// re-read and re-apply every change of the batch, a bounded number of times, with jitter.</para>
/// </summary>
internal sealed partial class PartitionCommitter(string accountId, MailboxIndex index, MailboxStoreOptions options, ILogger logger)
{
    /// <summary>The service's limit on entities in one transaction.</summary>
    public const int MaxEntities = 100;

    /// <summary>Below the service's 4 MiB payload limit, leaving room for the shared rows and framing.</summary>
    public const int MaxPayloadBytes = 3_500_000;

    private readonly Lock _lock = new();
    private readonly Queue<PartitionChange> _queue = new();
    private bool _running;
    private PartitionState? _state;

    public string AccountId { get; } = accountId;

    /// <summary>True while changes are queued or in flight (the registry keeps busy committers).</summary>
    public bool IsBusy
    {
        get
        {
            lock (_lock)
            {
                return _running;
            }
        }
    }

    /// <summary>Queues a change; the task ends when it is committed, or with its own failure.</summary>
    public Task<T> SubmitAsync<T>(PartitionChange<T> change)
    {
        if (change.OwnRows + change.SharedRows + 1 > MaxEntities)
        {
            throw new ArgumentException($"A change of {change.OwnRows} rows does not fit one transaction.", nameof(change));
        }

        bool start;
        lock (_lock)
        {
            _queue.Enqueue(change);
            start = !_running;
            _running = true;
        }

        if (start)
        {
            _ = Task.Run(RunAsync);
        }

        return change.Completion;
    }

    /// <summary>Forgets the cached rows, so the next change reads them again.</summary>
    public void Invalidate() => Volatile.Write(ref _state, null);

    private async Task RunAsync()
    {
        for (; ;)
        {
            List<PartitionChange> batch;
            lock (_lock)
            {
                if (_queue.Count == 0)
                {
                    _running = false;
                    return;
                }

                batch = TakeBatch();
            }

            try
            {
                await CommitAsync(batch).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                Invalidate();
                var failure = StorageFailures.Translate(e);
                foreach (var change in batch)
                {
                    change.Fail(failure);
                }
            }
        }
    }

    /// <summary>Takes changes in arrival order while they fit one transaction and name no row twice.</summary>
    private List<PartitionChange> TakeBatch()
    {
        var batch = new List<PartitionChange> { _queue.Dequeue() };
        var entities = 1 + batch[0].OwnRows + batch[0].SharedRows;
        var bytes = batch[0].EstimatedBytes;
        var keys = new HashSet<string>(batch[0].ConflictKeys, StringComparer.Ordinal);
        while (_queue.TryPeek(out var next)
               && entities + next.OwnRows + next.SharedRows <= MaxEntities
               && bytes + next.EstimatedBytes <= MaxPayloadBytes
               && !next.ConflictKeys.Any(keys.Contains))
        {
            batch.Add(_queue.Dequeue());
            entities += next.OwnRows + next.SharedRows;
            bytes += next.EstimatedBytes;
            keys.UnionWith(next.ConflictKeys);
        }

        return batch;
    }

    private async Task CommitAsync(List<PartitionChange> pending)
    {
        for (var attempt = 1; pending.Count > 0; attempt++)
        {
            var state = Volatile.Read(ref _state);
            var freshRead = state is null;
            state ??= await index.ReadHeaderAsync(AccountId, CancellationToken.None).ConfigureAwait(false);
            var batch = new PartitionBatch(AccountId, state);
            var applied = new List<PartitionChange>(pending.Count);
            foreach (var change in pending)
            {
                var savepoint = batch.Save();
                batch.Owner = change;
                try
                {
                    change.Apply(batch);
                    applied.Add(change);
                }
                catch (Exception e) when (e is MailboxException or ArgumentException or InvalidOperationException)
                {
                    batch.Restore(savepoint);
                    change.Fail(e);
                }
            }

            pending = applied;
            var actions = batch.Build();
            if (actions.Count == 0)
            {
                pending.ForEach(c => c.Succeed());
                return;
            }

            try
            {
                var response = await index.Table.SubmitTransactionAsync(actions, CancellationToken.None).ConfigureAwait(false);
                Volatile.Write(ref _state, batch.Committed(response.Value));
                LogCommitted(AccountId, pending.Count, actions.Count);
                pending.ForEach(c => c.Succeed());
                return;
            }
            catch (TableTransactionFailedException e) when (e.Status is 409 or 412 or 404)
            {
                if (e.FailedTransactionActionIndex is { } failed && batch.OwnerAt(failed) is PartitionChange owner)
                {
                    // One change's own row: it fails alone, the others go again on the same state.
                    owner.Fail(new RowConflictException(e.Status, actions[failed].Entity.RowKey));
                    pending.Remove(owner);
                    continue;
                }

                if (e.FailedTransactionActionIndex is null && pending.Count > 1)
                {
                    // The service did not say which row: commit each change on its own to find out.
                    foreach (var change in pending)
                    {
                        await CommitAsync([change]).ConfigureAwait(false);
                    }

                    return;
                }

                if (e.FailedTransactionActionIndex is null && freshRead && pending[0].ConflictKeys.Count > 0)
                {
                    // Refused on rows just read: most likely its own row. Its caller re-checks and retries.
                    Invalidate();
                    pending[0].Fail(new RowConflictException(e.Status, pending[0].ConflictKeys.First()));
                    return;
                }

                // A shared row: another instance committed. Re-read and apply everything again.
                Invalidate();
                if (attempt >= options.MaxCommitAttempts)
                {
                    throw new MailboxStoreUnavailableException($"The mailbox of account {AccountId} stayed contended for {attempt} attempts.", e);
                }

                LogContended(AccountId, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20 * attempt))).ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Committed {Changes} changes ({Entities} entities) to the mailbox of account {AccountId}")]
    private partial void LogCommitted(string accountId, int changes, int entities);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Mailbox of account {AccountId} changed under attempt {Attempt}; re-reading")]
    private partial void LogContended(string accountId, int attempt);
}
