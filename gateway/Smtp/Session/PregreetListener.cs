using MailCloud.Gateway.Hosting;

namespace MailCloud.Gateway.Smtp.Session;

/// <summary>
/// Listens before the greeting (postscreen's pregreet test): an SMTP client waits for the 220
/// (RFC 5321 §3.1, §4.3.1), so input that arrives first comes from a bot that does not read replies.
/// </summary>
internal static class PregreetListener
{
    /// <summary>
    /// Waits up to <paramref name="delay"/> for input; returns how many octets arrived (0 when the
    /// client stayed silent or went away). Nothing is consumed. Plaintext only: a cancelled read of
    /// a TLS stream may leave it unusable.
    /// </summary>
    public static async Task<long> ListenAsync(IProtocolConnection connection, TimeSpan delay, TimeProvider time)
    {
        using var quiet = new CancellationTokenSource(delay, time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(quiet.Token, connection.ConnectionClosed);
        try
        {
            var result = await connection.Input.ReadAsync(either.Token).ConfigureAwait(false);
            var octets = result.Buffer.Length;
            connection.Input.AdvanceTo(result.Buffer.Start);
            return octets;
        }
        catch (OperationCanceledException) when (quiet.IsCancellationRequested && !connection.ConnectionClosed.IsCancellationRequested)
        {
            return 0;
        }
    }
}
