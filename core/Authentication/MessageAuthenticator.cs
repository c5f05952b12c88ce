using System.Globalization;
using System.Net;
using MailCloud.Core.Authentication.Arc;
using MailCloud.Core.Authentication.Dkim;
using MailCloud.Core.Authentication.Dmarc;
using MailCloud.Core.Authentication.Spf;
using MailCloud.Core.Queueing;
using Microsoft.Extensions.Logging;
using MimeKit;

namespace MailCloud.Core.Authentication;

/// <summary>The verdict on one arriving message, and the header that records it.</summary>
/// <param name="Author">The one RFC 5322.From address (§3.6.2), when the message names exactly one: whose domain DMARC judged.</param>
public sealed record AuthenticationVerdict(SpfCheck Spf, IReadOnlyList<DkimCheck> Dkim, DmarcCheck Dmarc, ArcCheck Arc, string Header, string? Author = null)
{
    /// <summary>DMARC p=reject applied: refuse at the end of DATA (RFC 7489 §6.6.4).</summary>
    public bool Reject => Dmarc.Disposition == DmarcDisposition.Reject;

    /// <summary>What travels in the envelope, so Route and Deliver act on it without verifying again.</summary>
    public EnvelopeAuthentication ToEnvelope() => new()
    {
        Spf = AuthenticationResultsHeader.Name(Spf.Result),
        Dkim = AuthenticationResultsHeader.Name(Dkim.Count == 0 ? DkimResult.None : Dkim.Min(c => c.Result)),
        Dmarc = AuthenticationResultsHeader.Name(Dmarc.Result),
        FromDomain = Dmarc.FromDomain,
        Author = Author,
        Quarantine = Dmarc.Disposition == DmarcDisposition.Quarantine,
    };
}

/// <summary>
/// SPF at MAIL FROM, then DKIM and DMARC on the message once DATA has ended, for mail arriving on
/// the MX. DNS failures never lose mail: they come out as temperror, and temperror never rejects.
/// </summary>
public sealed partial class MessageAuthenticator(SpfEvaluator spf, DkimChecker dkim, DmarcEvaluator dmarc, ArcChecker arc, ILogger<MessageAuthenticator> logger)
{
    private static readonly IdnMapping Idn = new();

    /// <summary>SPF for the MAIL FROM identity (HELO for the null reverse-path).</summary>
    public Task<SpfCheck> CheckSenderAsync(IPAddress client, string mailFrom, string helo, string receivingHost, CancellationToken cancellationToken) =>
        spf.CheckMailFromAsync(client, mailFrom, helo, receivingHost, cancellationToken);

    /// <param name="message">The message as it arrived (seekable): the whole of it when it carries DKIM signatures, else its header section.</param>
    public async Task<AuthenticationVerdict> AuthenticateAsync(string authservId, SpfCheck sender, Stream message, CancellationToken cancellationToken)
    {
        IReadOnlyList<DkimCheck> signatures;
        DmarcCheck policy;
        ArcCheck chain;
        string? author = null;
        try
        {
            var parsed = await MimeMessage.LoadAsync(ParserOptions.Default, message, persistent: true, cancellationToken).ConfigureAwait(false);
            author = SingleAuthor(parsed);
            signatures = await dkim.VerifyAsync(parsed, cancellationToken).ConfigureAwait(false);
            policy = await dmarc.EvaluateAsync(FromDomains(parsed), sender, signatures, cancellationToken).ConfigureAwait(false);
            chain = await arc.VerifyAsync(parsed, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Whatever went wrong, the message is not lost over it: recorded as a temporary error.
            LogVerificationFailed(ex);
            signatures = [];
            policy = new DmarcCheck(DmarcResult.TempError, null, Reason: "verification failed");
            chain = new ArcCheck(ArcResult.None, 0, "verification failed");
        }

        var header = AuthenticationResultsHeader.Build(authservId, sender, signatures, policy, chain);
        LogVerdict(sender.Result, string.Join(",", signatures.Select(s => s.Result)), policy.Result, policy.Disposition, policy.FromDomain, chain.Result);
        return new AuthenticationVerdict(sender, signatures, policy, chain, header, author);
    }

    /// <summary>
    /// The From address when there is exactly one (one field, one mailbox), in ASCII and within the
    /// longest address SMTP carries (RFC 5321 §4.5.3.1.3, 254 octets), so the room the gateway
    /// reserves in the envelope holds it (JSON escapes other characters six-fold); else null.
    /// </summary>
    private static string? SingleAuthor(MimeMessage message)
    {
        var fields = message.Headers.Where(h => h.Id == HeaderId.From).ToList();
        if (fields.Count != 1 || !InternetAddressList.TryParse(fields[0].Value, out var addresses)
            || addresses.Count != 1 || addresses[0] is not MailboxAddress { Domain.Length: > 0 } mailbox)
        {
            return null;
        }

        var address = mailbox.Address;
        return address.Length <= MaxAuthorLength && System.Text.Ascii.IsValid(address) ? address : null;
    }

    /// <summary>The longest author the envelope carries (what the gateway reserves room for).</summary>
    public const int MaxAuthorLength = 254;

    /// <summary>Every domain of every From field (RFC 7489 §6.6.1), as A-labels.</summary>
    private static List<string> FromDomains(MimeMessage message)
    {
        var domains = new List<string>();
        foreach (var field in message.Headers.Where(h => h.Id == HeaderId.From))
        {
            if (!InternetAddressList.TryParse(field.Value, out var addresses))
            {
                continue;
            }

            foreach (var mailbox in addresses.Mailboxes.Where(m => m.Domain.Length > 0))
            {
                try
                {
                    domains.Add(Idn.GetAscii(mailbox.Domain.TrimEnd('.')));
                }
                catch (ArgumentException)
                {
                    // Not a domain name: it names no policy.
                }
            }
        }

        return domains;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "DKIM/DMARC verification failed; recording temperror")]
    private partial void LogVerificationFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Authentication: spf={Spf} dkim={Dkim} dmarc={Dmarc} disposition={Disposition} from={FromDomain} arc={Arc}")]
    private partial void LogVerdict(SpfResult spf, string dkim, DmarcResult dmarc, DmarcDisposition disposition, string? fromDomain, ArcResult arc);
}
