using MailCloud.Gateway.Smtp.Acceptance;

namespace MailCloud.Gateway.Smtp.Session;

/// <summary>
/// Where decoded message content goes: the message capture (header kept back, body to the spool),
/// or nowhere. A storage failure mid-transfer is remembered rather than thrown, because the client's
/// content must still be read to its end before the session can answer 451.
/// </summary>
internal sealed class ContentSink(MessageCapture? destination)
{
    public static ContentSink Discard { get; } = new(null);

    public Exception? Failure { get; private set; }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        if (destination is null || Failure is not null || bytes.IsEmpty)
        {
            return;
        }

        try
        {
            await destination.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Failure = ex;
        }
    }
}
