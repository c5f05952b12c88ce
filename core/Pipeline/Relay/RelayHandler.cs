using System.Net;
using MailCloud.Core.Lists.Distribution;
using MailCloud.Core.Pipeline.Bounce;
using MailCloud.Core.Pipeline.State;
using MailCloud.Core.Queueing;
using MailCloud.Core.Spool;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Pipeline.Relay;

/// <summary>
/// Stage "relay": sends a message to the recipients of one remote domain, directly to its MX
/// hosts or through the smart host. Per recipient: 2xx is done, 5xx is bounced, 4xx (or no
/// answer) is retried on the backoff schedule until <see cref="RelayOptions.MaxRetryPeriod"/>
/// after we accepted the message (<see cref="MessageEnvelope.ReceivedAt"/>, which replays keep),
/// then bounced; the spool sweep keeps the message's blob longer than that. A "relay done" marker
/// per recipient keeps a redelivered message from reaching the same remote recipient twice. A list member's
/// copy gets the member's own header fields here, before it is signed.
/// </summary>
public sealed partial class RelayHandler(
    MxResolver mx,
    SmtpRelayClient smtp,
    ISpool spool,
    PipelineMarkers markers,
    BounceSender bounces,
    RelayThrottle throttle,
    IOptions<RelayOptions> options,
    TimeProvider time,
    ILogger<RelayHandler> logger) : IStageHandler
{
    private readonly RelayOptions _options = options.Value;

    public PipelineStage Stage => PipelineStage.Relay;

    public async Task<StageOutcome> HandleAsync(MessageEnvelope envelope, StageAttempt attempt, CancellationToken cancellationToken)
    {
        if (envelope.TargetDomain is not { } domain)
        {
            return StageOutcome.DeadLetter("relay message without a target domain");
        }

        var pending = new List<EnvelopeRecipient>();
        foreach (var recipient in envelope.Recipients)
        {
            if (!await markers.ExistsAsync(PipelineMarkers.RelayDone(envelope.MessageId, recipient.Address), cancellationToken).ConfigureAwait(false))
            {
                pending.Add(recipient);
            }
        }

        if (pending.Count == 0)
        {
            return StageOutcome.Completed;
        }

        IReadOnlyList<RecipientResult> results;
        var route = await EndpointsAsync(domain, cancellationToken).ConfigureAwait(false);
        if (route.Endpoints is { } endpoints)
        {
            using var admission = await throttle.AdmitAsync(cancellationToken).ConfigureAwait(false);
            if (admission.RetryAfter is { } retryAfter)
            {
                LogRateLimited(envelope.MessageId, domain, retryAfter);
                return StageOutcome.Postpone(retryAfter, "relay rate limit", pending);
            }

            MimeKit.MimeMessage? message;
            try
            {
                message = await spool.ReadMessageAsync(envelope.SpoolBlob, cancellationToken).ConfigureAwait(false);
            }
            catch (SpoolMessageNotFoundException)
            {
                // Swept (a backlog outlived the retention) or lost: the sender still hears of it.
                message = null;
            }

            if (message is not null && envelope.List is { } list)
            {
                // The list copy is shared by all members; this member's List-Unsubscribe goes on before signing (RFC 8058 §4).
                ListHeaderFields.PrependMemberFields(message, list);
            }

            results = message is null
                ? [.. pending.Select(r => ContentUnavailable(envelope, r))]
                : await smtp.SendAsync(endpoints, envelope, pending, message, (answers, ct) => RecordDeliveredAsync(envelope, answers, ct), cancellationToken).ConfigureAwait(false);
        }
        else
        {
            results = [.. pending.Select(r => route.Failure!(r))];
        }

        return await SettleAsync(envelope, results, cancellationToken).ConfigureAwait(false);
    }

    private async Task<StageOutcome> SettleAsync(MessageEnvelope envelope, IReadOnlyList<RecipientResult> results, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var expiresAt = ExpiresAt(envelope);
        var deferred = results.Where(r => r.Verdict == RelayVerdict.Deferred).ToList();
        var expired = now >= expiresAt;

        var failed = results.Where(r => r.Verdict == RelayVerdict.Failed).Select(ToFailure).ToList();
        if (expired)
        {
            // RFC 3463 X.4.7: delivery time expired; the last error says why.
            failed.AddRange(deferred.Select(r => new RecipientFailure(r.Recipient, "4.4.7", $"delivery time expired after {_options.MaxRetryPeriod}: {r.Diagnostic}", r.RemoteMta)));
        }

        if (failed.Count > 0)
        {
            await bounces.SendAsync(envelope, failed, DsnAction.Failed, cancellationToken).ConfigureAwait(false);
        }

        // Delivered recipients were marked when the remote answered; failed ones only now, after their bounce.
        foreach (var done in results.Where(r => r.Verdict == RelayVerdict.Failed || (r.Verdict == RelayVerdict.Deferred && expired)))
        {
            await markers.TryCreateAsync(PipelineMarkers.RelayDone(envelope.MessageId, done.Recipient.Address), cancellationToken).ConfigureAwait(false);
        }

        LogRelayed(envelope.MessageId, envelope.TargetDomain!, results.Count(r => r.Verdict == RelayVerdict.Delivered), failed.Count, expired ? 0 : deferred.Count);
        if (deferred.Count == 0 || expired)
        {
            return StageOutcome.Completed;
        }

        if (now - envelope.ReceivedAt >= _options.DelayNotificationAfter)
        {
            await bounces.SendAsync(envelope, [.. deferred.Select(ToFailure)], DsnAction.Delayed, cancellationToken).ConfigureAwait(false);
        }

        // The last try falls on the horizon, not a schedule step past it, so the bounce is on time.
        var delay = TimeSpan.FromTicks(Math.Min(_options.RetryDelay(envelope.Attempt).Ticks, (expiresAt - now).Ticks));
        return StageOutcome.RetryAfter(delay, deferred[0].Diagnostic, [.. deferred.Select(r => r.Recipient)]);
    }

    /// <summary>Retries end this long after acceptance, however often the message was replayed since.</summary>
    private DateTimeOffset ExpiresAt(MessageEnvelope envelope) => envelope.ReceivedAt + _options.MaxRetryPeriod;

    private RecipientResult ContentUnavailable(MessageEnvelope envelope, EnvelopeRecipient recipient) =>
        time.GetUtcNow() >= ExpiresAt(envelope)
            // RFC 3463 X.4.7: delivery time expired.
            ? RecipientResult.Failed(recipient, "4.4.7", $"delivery time expired after {_options.MaxRetryPeriod}; the message content is no longer available")
            // RFC 3463 X.3.0: other or undefined mail system status.
            : RecipientResult.Failed(recipient, "5.3.0", "the message content is no longer available");

    /// <summary>
    /// Marks each recipient the remote took as soon as it said so: a crash from here on (a bounce for
    /// another recipient, QUIT, the settlement) must not send it the message again.
    /// </summary>
    private async Task RecordDeliveredAsync(MessageEnvelope envelope, IReadOnlyList<RecipientResult> answers, CancellationToken cancellationToken)
    {
        foreach (var delivered in answers.Where(r => r.Verdict == RelayVerdict.Delivered))
        {
            await markers.TryCreateAsync(PipelineMarkers.RelayDone(envelope.MessageId, delivered.Recipient.Address), cancellationToken).ConfigureAwait(false);
        }
    }

    private static RecipientFailure ToFailure(RecipientResult result) => new(result.Recipient, result.Status, result.Diagnostic, result.RemoteMta);

    /// <summary>The endpoints to try, or, when DNS rules them all out, how each recipient fares.</summary>
    private async Task<(IReadOnlyList<RelayEndpoint>? Endpoints, Func<EnvelopeRecipient, RecipientResult>? Failure)> EndpointsAsync(string domain, CancellationToken cancellationToken)
    {
        if (_options.SmartHost is { } smartHost)
        {
            var credentials = smartHost.Username is { Length: > 0 } user ? new NetworkCredential(user, smartHost.Password) : null;
            return ([new RelayEndpoint(smartHost.Host, smartHost.Host, smartHost.Port, smartHost.Security, !smartHost.AcceptAnyCertificate, credentials)], null);
        }

        return await mx.ResolveAsync(domain, cancellationToken).ConfigureAwait(false) switch
        {
            MxResolution.Hosts hosts => (
                [.. hosts.Targets.SelectMany(h => h.Addresses.Select(a => new RelayEndpoint(h.HostName, a.ToString(), _options.MxPort, SecureSocketOptions.StartTlsWhenAvailable, false, null)))],
                null),
            MxResolution.NullMx => (null, r => RecipientResult.Failed(r, "5.1.10", $"556 5.1.10 {domain} does not accept mail (null MX)")),
            MxResolution.NoSuchDomain => (null, r => RecipientResult.Failed(r, "5.1.2", $"550 5.1.2 {domain}: no such domain (no MX or address records)")),
            MxResolution.TemporaryFailure failure => (null, r => RecipientResult.Deferred(r, "4.4.3", failure.Reason)),
            var other => throw new InvalidOperationException($"Unknown MX resolution {other}."),
        };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Relay of {MessageId} to {Domain} postponed by the rate limit for {RetryAfter}")]
    private partial void LogRateLimited(string messageId, string domain, TimeSpan retryAfter);

    [LoggerMessage(Level = LogLevel.Information, Message = "Relay of {MessageId} to {Domain}: {Delivered} delivered, {Failed} failed, {Deferred} deferred")]
    private partial void LogRelayed(string messageId, string domain, int delivered, int failed, int deferred);
}
