using MailCloud.Core.Authentication.Dmarc;
using Microsoft.Extensions.Logging;
using MimeKit;

namespace MailCloud.Core.Lists.Distribution;

/// <summary>
/// Whether a post's author domain asks receivers to refuse or quarantine mail that fails DMARC: a list copy
/// with that From would then fail at every member, since the list's changes break the author's signature and
/// the list's servers are not in the author's SPF. Asks DNS as the inbound verifier does (the From domain's
/// record, else the organizational domain's sp=, RFC 7489 §6.6.3). A lookup that fails counts as no such
/// policy, as in Mailman (which logs and distributes unchanged): a DNS outage must not rewrite every post.
/// </summary>
public sealed partial class AuthorDmarcPolicy(DmarcEvaluator dmarc, ILogger<AuthorDmarcPolicy> logger)
{
    public async Task<bool> DemandsMitigationAsync(MimeMessage post, CancellationToken cancellationToken)
    {
        var domains = post.From.Mailboxes.Select(m => m.Domain.TrimEnd('.').ToLowerInvariant()).Where(d => d.Length > 0).Distinct(StringComparer.Ordinal);
        foreach (var domain in domains)
        {
            var lookup = await dmarc.LookUpPolicyAsync(domain, cancellationToken).ConfigureAwait(false);
            if (lookup.Failure is { } failure)
            {
                LogLookupFailed(domain, failure);
            }
            else if (lookup.Policy is DmarcPolicy.Reject or DmarcPolicy.Quarantine)
            {
                return true;
            }
        }

        return false;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "DMARC policy of {Domain} unknown ({Failure}): the list post goes out without mitigation")]
    private partial void LogLookupFailed(string domain, string failure);
}
