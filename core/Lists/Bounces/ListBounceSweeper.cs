using MailCloud.Core.Addresses;
using MailCloud.Core.Directory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Lists.Bounces;

/// <summary>
/// The bounce side of housekeeping: removes members that bounces disabled more than
/// <see cref="ListOptions.RemoveDisabledAfter"/> ago (telling them and the owners first, under the notice's
/// deterministic id, so a sweep cut short after the notice sends the same one again), and forgets the
/// bounce records of enabled members whose last bounce is older than <see cref="ListOptions.BounceMemory"/>.
/// </summary>
public sealed partial class ListBounceSweeper(
    IMailDirectory directory,
    ListBounceStore store,
    ListBounceNotices notices,
    IOptions<ListOptions> options,
    TimeProvider time,
    ILogger<ListBounceSweeper> logger)
{
    public async Task<ListBounceSweepResult> SweepAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = time.GetUtcNow();
        var snapshot = await directory.GetSnapshotAsync(cancellationToken).ConfigureAwait(false);
        int removed = 0, forgotten = 0;
        foreach (var list in snapshot.Lists)
        {
            foreach (var disabled in list.Disabled.Where(d => d.Reason == DisabledReason.Bounces && d.Since <= now - settings.RemoveDisabledAfter))
            {
                await notices.SendRemovedAsync(list, disabled, cancellationToken).ConfigureAwait(false);
                var key = EmailAddress.Parse(disabled.Address).Key;
                await directory.UpdateListAsync(list.Address, current =>
                    // Only if nobody enabled them (or an owner disabled them) meanwhile.
                    current.Disabled.Any(d => d.Reason == DisabledReason.Bounces && d.Since == disabled.Since && EmailAddress.Parse(d.Address).Key == key)
                        ? current with { Members = [.. current.Members.Where(m => EmailAddress.Parse(m).Key != key)] }
                        : current,
                    cancellationToken).ConfigureAwait(false);
                await store.DeleteAsync(list.Address, disabled.Address, cancellationToken).ConfigureAwait(false);
                LogRemoved(list.Address, disabled.Address, disabled.Since);
                removed++;
            }

            foreach (var record in await store.ListAsync(list.Address, cancellationToken).ConfigureAwait(false))
            {
                var stale = record.LastBounce is not { } last || last < now - settings.BounceMemory;
                if (!list.HasMember(record.Member) || (stale && !list.IsDisabled(record.Member)))
                {
                    await store.DeleteAsync(list.Address, record.Member, cancellationToken).ConfigureAwait(false);
                    forgotten++;
                }
            }
        }

        return new ListBounceSweepResult(removed, forgotten);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {Member} from {List}: disabled by bounces since {Since}")]
    private partial void LogRemoved(string list, string member, DateTimeOffset since);
}

public sealed record ListBounceSweepResult(int RemovedMembers, int ForgottenRecords);
