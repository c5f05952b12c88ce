using MailCloud.Gateway.Imap.Session;

namespace MailCloud.Gateway.Imap.Commands;

/// <summary>
/// IDLE (RFC 2177, RFC 9051 §6.3.13): reports changes of the selected folder as the folder's
/// watcher sees them, says "* OK Still here" every <see cref="ImapOptions.IdleKeepaliveInterval"/>,
/// and ends with BYE when the client has been silent for the listener's idle timeout (the autologout
/// timer, RFC 9051 §5.4) unless it sends DONE first. Both timings run on the injected <see cref="TimeProvider"/>.
/// </summary>
internal static class IdleCommand
{
    public static async Task<ImapCompletion> IdleAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        command.Arguments.ExpectEnd();
        var time = session.Services.Time;
        using var limit = new CancellationTokenSource(Limit(session.Connection.Listener.IdleTimeout), time);
        using var idling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
        var keepalive = Task.Delay(session.Options.IdleKeepaliveInterval, time, idling.Token);
        session.Writer.Raw("+ idling").Crlf();
        if (session.Selected is not null)
        {
            session.WriteUpdates(await session.TakeUpdatesAsync(allowExpunge: true, cancellationToken).ConfigureAwait(false));
        }

        await session.FlushAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var done = session.ReadIdleLineAsync(idling.Token);
            Task? changed = null;
            while (true)
            {
                // One wait on the folder at a time: a second would take a change signal from the first.
                changed ??= session.Selected is { } watched ? watched.WaitForChangeAsync(idling.Token) : Task.Delay(Timeout.Infinite, idling.Token);
                var first = await Task.WhenAny(done, changed, keepalive).ConfigureAwait(false);
                if (limit.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    // RFC 2177 §3: the server may end an IDLE that has gone on too long.
                    throw new ImapProtocolViolationException("IDLE for too long");
                }

                if (first == done)
                {
                    var line = await done.ConfigureAwait(false) ?? throw new OperationCanceledException("The client went away during IDLE.");
                    return line.Equals("DONE", StringComparison.OrdinalIgnoreCase)
                        ? ImapCompletion.Ok("IDLE terminated")
                        : ImapCompletion.Bad("Expected DONE");
                }

                if (first == keepalive)
                {
                    await keepalive.ConfigureAwait(false);
                    keepalive = Task.Delay(session.Options.IdleKeepaliveInterval, time, idling.Token);
                    session.Writer.Raw("* OK Still here").Crlf();
                }
                else
                {
                    await changed.ConfigureAwait(false);
                    changed = null;
                    session.WriteUpdates(await session.TakeUpdatesAsync(allowExpunge: true, cancellationToken).ConfigureAwait(false));
                }

                await session.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            // Ends the wait still pending on the folder, so it does not swallow a later change signal.
            await idling.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A second before the connection's idle timer would drop the silent client, so the BYE is
    /// written first (half the timeout for one shorter than two seconds).
    /// </summary>
    private static TimeSpan Limit(TimeSpan idleTimeout) =>
        idleTimeout > TimeSpan.FromSeconds(2) ? idleTimeout - TimeSpan.FromSeconds(1) : idleTimeout / 2;
}
