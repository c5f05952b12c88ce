using MailCloud.Gateway.Imap.Session;

namespace MailCloud.Gateway.Imap.Commands;

/// <summary>
/// IDLE (RFC 2177, RFC 9051 §6.3.13): reports changes of the selected folder as the folder's
/// watcher sees them, until the client sends DONE.
/// </summary>
public static class IdleCommand
{
    public static async Task<ImapCompletion> IdleAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        command.Arguments.ExpectEnd();
        session.Writer.Raw("+ idling").Crlf();
        if (session.Selected is not null)
        {
            session.WriteUpdates(await session.TakeUpdatesAsync(allowExpunge: true, cancellationToken).ConfigureAwait(false));
        }

        await session.FlushAsync(cancellationToken).ConfigureAwait(false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(session.Options.IdleTimeout);
        try
        {
            var done = session.ReadLineAsync(timeout.Token);
            while (true)
            {
                var changed = session.Selected is { } watched ? watched.WaitForChangeAsync(timeout.Token) : Task.Delay(Timeout.Infinite, timeout.Token);
                var first = await Task.WhenAny(done, changed).ConfigureAwait(false);
                if (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    throw new ImapProtocolViolationException("IDLE for too long");
                }

                if (first == done)
                {
                    var line = await done.ConfigureAwait(false) ?? throw new OperationCanceledException("The client went away during IDLE.");
                    return line.Equals("DONE", StringComparison.OrdinalIgnoreCase)
                        ? ImapCompletion.Ok("IDLE terminated")
                        : ImapCompletion.Bad("Expected DONE");
                }

                await changed.ConfigureAwait(false);
                session.WriteUpdates(await session.TakeUpdatesAsync(allowExpunge: true, cancellationToken).ConfigureAwait(false));
                await session.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            // Ends the wait still pending on the folder, so it does not swallow a later change signal.
            await timeout.CancelAsync().ConfigureAwait(false);
        }
    }
}
