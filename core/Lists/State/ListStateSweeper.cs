using MailCloud.Core.Lists.Moderation;
using Microsoft.Extensions.Logging;

namespace MailCloud.Core.Lists.State;

/// <summary>
/// The lists' part of housekeeping: one-time requests past <see cref="ListOptions.ConfirmationLifetime"/> are
/// forgotten (their tokens then confirm nothing), posts held past <see cref="ListOptions.HeldPostLifetime"/> are
/// discarded and their posters told.
/// </summary>
public sealed partial class ListStateSweeper(PendingRequestStore pending, HeldPostModerator moderator, ILogger<ListStateSweeper> logger)
{
    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        var posts = await moderator.ExpireAsync(cancellationToken).ConfigureAwait(false);
        var requests = await pending.SweepAsync(cancellationToken).ConfigureAwait(false);
        LogSwept(requests, posts);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Housekeeping expired {Requests} list requests and {Posts} held posts")]
    private partial void LogSwept(int requests, int posts);
}
