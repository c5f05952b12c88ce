using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace MailCloud.Core.Mailboxes.Tables;

/// <summary>One <see cref="PartitionCommitter"/> per account this process writes to; idle ones are dropped when many have gathered.</summary>
internal sealed class PartitionCommitters(MailboxIndex index, MailboxStoreOptions options, ILogger logger)
{
    private const int IdleKept = 10_000;

    private readonly ConcurrentDictionary<string, PartitionCommitter> _committers = new(StringComparer.Ordinal);

    public PartitionCommitter For(string accountId)
    {
        if (_committers.Count > IdleKept)
        {
            foreach (var (id, committer) in _committers)
            {
                if (!committer.IsBusy)
                {
                    // A change submitted to a dropped committer still runs; only its cached rows are lost.
                    _committers.TryRemove(id, out _);
                }
            }
        }

        return _committers.GetOrAdd(accountId, id => new PartitionCommitter(id, index, options, logger));
    }
}
