using System.Net;
using System.Net.Sockets;
using MailCloud.Core.Queueing;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace MailCloud.Core.Pipeline.Relay;

/// <summary>One place to connect to: an MX host address, or the smart host.</summary>
public sealed record RelayEndpoint(string HostName, string Connect, int Port, SecureSocketOptions Security, bool ValidateCertificate, NetworkCredential? Credentials);

/// <summary>
/// Hands a message to the first endpoint that answers, with MailKit, and reports each
/// recipient's fate. Before DATA it adapts the message to the server: 7-bit when it lacks
/// 8BITMIME (RFC 6152), refused when it lacks SMTPUTF8 and the envelope needs it (RFC 6531 §3.4);
/// then DKIM-signs, so the signature covers the bytes actually sent. The remote's answers are
/// handed to the caller as soon as the transaction ends, before QUIT, so they are on record even if
/// the process dies while the connection closes.
/// </summary>
public sealed partial class SmtpRelayClient(
    DkimMessageSigner dkim,
    IOptions<RelayOptions> relayOptions,
    IOptions<PipelineOptions> pipelineOptions,
    ILogger<SmtpRelayClient> logger)
{
    public async Task<IReadOnlyList<RecipientResult>> SendAsync(
        IReadOnlyList<RelayEndpoint> endpoints,
        MessageEnvelope envelope,
        IReadOnlyList<EnvelopeRecipient> recipients,
        MimeMessage message,
        Func<IReadOnlyList<RecipientResult>, CancellationToken, Task> onAnswered,
        CancellationToken cancellationToken)
    {
        var lastError = "no host to connect to";
        var signed = false;
        foreach (var endpoint in endpoints)
        {
            using var client = new DsnSmtpClient(envelope, recipients, new NullProtocolLogger())
            {
                Timeout = (int)relayOptions.Value.SmtpTimeout.TotalMilliseconds,
                LocalDomain = pipelineOptions.Value.HostName,
            };
            if (!endpoint.ValidateCertificate)
            {
                // RFC 7435 opportunistic TLS: encrypt when offered, but MX certificates are rarely valid for the MX name.
                client.ServerCertificateValidationCallback = (_, _, _, _) => true;
            }

            try
            {
                await client.ConnectAsync(endpoint.Connect, endpoint.Port, endpoint.Security, cancellationToken).ConfigureAwait(false);
                if (endpoint.Credentials is { } credentials)
                {
                    await client.AuthenticateAsync(credentials, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (IsConnectionFailure(ex, cancellationToken))
            {
                lastError = $"{endpoint.HostName}[{endpoint.Connect}]:{endpoint.Port}: {ex.Message}";
                LogConnectFailed(endpoint.HostName, endpoint.Connect, endpoint.Port, ex.Message);
                continue;
            }

            try
            {
                if (envelope.SmtpUtf8 && !client.Capabilities.HasFlag(SmtpCapabilities.UTF8) && NeedsSmtpUtf8(envelope.MailFrom, recipients))
                {
                    return [.. recipients.Select(r => RecipientResult.Failed(r, "5.6.7", $"553 5.6.7 {endpoint.HostName} does not support SMTPUTF8, which this message needs"))];
                }

                if (!signed)
                {
                    if (!client.Capabilities.HasFlag(SmtpCapabilities.EightBitMime))
                    {
                        message.Prepare(EncodingConstraint.SevenBit);
                    }

                    dkim.Sign(message, envelope);
                    signed = true;
                }

                var results = await TransactAsync(client, endpoint, envelope, recipients, message, cancellationToken).ConfigureAwait(false);
                await onAnswered(results, cancellationToken).ConfigureAwait(false);
                return results;
            }
            catch (Exception ex) when (IsConnectionFailure(ex, cancellationToken))
            {
                // The connection broke mid-transaction: try the next host, or later. At-least-once:
                // if the remote had already taken the message, it may see it twice.
                lastError = $"{endpoint.HostName}[{endpoint.Connect}]:{endpoint.Port}: {ex.Message}";
                LogConnectFailed(endpoint.HostName, endpoint.Connect, endpoint.Port, ex.Message);
            }
            finally
            {
                if (client.IsConnected)
                {
                    await QuitQuietlyAsync(client).ConfigureAwait(false);
                }
            }
        }

        return [.. recipients.Select(r => RecipientResult.Deferred(r, "4.4.1", $"no answer from any host: {lastError}"))];
    }

    private static async Task<IReadOnlyList<RecipientResult>> TransactAsync(
        DsnSmtpClient client, RelayEndpoint endpoint, MessageEnvelope envelope, IReadOnlyList<EnvelopeRecipient> recipients, MimeMessage message, CancellationToken cancellationToken)
    {
        // The null reverse-path (RFC 5321 §4.5.5) is MAIL FROM:<>.
        var sender = envelope.MailFrom.Length == 0 ? new MailboxAddress("", "") : MailboxAddress.Parse(envelope.MailFrom);
        var mailboxes = recipients.Select(r => new MailboxAddress("", r.Address)).ToList();
        string? dataFailure = null;
        var dataCode = 250;
        try
        {
            await client.SendAsync(FormatOptions.Default, message, sender, mailboxes, cancellationToken).ConfigureAwait(false);
        }
        catch (NoRecipientsAcceptedException)
        {
        }
        catch (SmtpCommandException ex) when (ex.ErrorCode == SmtpErrorCode.SenderNotAccepted)
        {
            return [.. recipients.Select(r => RecipientResult.FromReply(r, (int)ex.StatusCode, ex.Message, endpoint.HostName))];
        }
        catch (SmtpCommandException ex) when (ex.ErrorCode == SmtpErrorCode.MessageNotAccepted)
        {
            (dataCode, dataFailure) = ((int)ex.StatusCode, ex.Message);
        }

        return
        [
            .. recipients.Select(r => client.Refused.TryGetValue(r.Address, out var refused)
                ? RecipientResult.FromReply(r, (int)refused.StatusCode, refused.Response, endpoint.HostName)
                : RecipientResult.FromReply(r, dataCode, dataFailure ?? "message accepted", endpoint.HostName)),
        ];
    }

    private static bool NeedsSmtpUtf8(string mailFrom, IEnumerable<EnvelopeRecipient> recipients) =>
        !System.Text.Ascii.IsValid(mailFrom) || recipients.Any(r => !System.Text.Ascii.IsValid(r.Address));

    private static bool IsConnectionFailure(Exception ex, CancellationToken cancellationToken) =>
        ex is SocketException or IOException or SmtpProtocolException or SslHandshakeException or AuthenticationException or TimeoutException
        || ex is SmtpCommandException { ErrorCode: SmtpErrorCode.UnexpectedStatusCode }
        || ex is OperationCanceledException && !cancellationToken.IsCancellationRequested;

    private static async Task QuitQuietlyAsync(SmtpClient client)
    {
        try
        {
            await client.DisconnectAsync(quit: true, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or SmtpProtocolException or SmtpCommandException)
        {
            // The transaction's outcome is already known; a failed QUIT changes nothing.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Relay: cannot use {Host} [{Address}]:{Port}: {Reason}")]
    private partial void LogConnectFailed(string host, string address, int port, string reason);
}
