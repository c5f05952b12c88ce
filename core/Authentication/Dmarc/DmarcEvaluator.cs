using MailCloud.Core.Authentication.Dkim;
using MailCloud.Core.Authentication.Dns;
using MailCloud.Core.Authentication.Spf;

namespace MailCloud.Core.Authentication.Dmarc;

/// <summary>
/// DMARC (RFC 7489): the policy of each RFC 5322.From domain, found at _dmarc.&lt;domain&gt; or
/// else at _dmarc.&lt;organizational domain&gt; (§6.6.3), and the message passes when SPF or a DKIM
/// signature passed for an identifier aligned with that domain (§3.1), relaxed or strict.
/// Costs one TXT query per From domain, two when the domain has no record of its own.
/// </summary>
/// <param name="sample">pct= sampling (§6.6.4): true when the policy applies to this message; random by default.</param>
public sealed class DmarcEvaluator(IDnsResolver dns, PublicSuffixList suffixes, Func<int, bool>? sample = null)
{
    private readonly Func<int, bool> _sample = sample ?? (percent => Random.Shared.Next(100) < percent);

    /// <summary>
    /// Evaluates every distinct From domain and returns the strictest failure (§6.6.1), else a
    /// temperror, else a pass, else none. A message with no From domain at all fails, and we file it
    /// as quarantine: it claims no author whose policy could be asked (our choice; §6.6.1 allows rejecting).
    /// </summary>
    public async Task<DmarcCheck> EvaluateAsync(IReadOnlyCollection<string> fromDomains, SpfCheck? spf, IReadOnlyList<DkimCheck> dkim, CancellationToken cancellationToken)
    {
        var domains = fromDomains.Select(d => d.TrimEnd('.').ToLowerInvariant()).Where(d => d.Length > 0).Distinct().ToList();
        if (domains.Count == 0)
        {
            return new DmarcCheck(DmarcResult.Fail, null, Disposition: DmarcDisposition.Quarantine, Reason: "no From domain");
        }

        var checks = new List<DmarcCheck>(domains.Count);
        foreach (var domain in domains)
        {
            checks.Add(await EvaluateAsync(domain, spf, dkim, cancellationToken).ConfigureAwait(false));
        }

        return checks.Where(c => c.Result == DmarcResult.Fail).MaxBy(c => c.Disposition)
            ?? checks.FirstOrDefault(c => c.Result == DmarcResult.TempError)
            ?? checks.FirstOrDefault(c => c.Result == DmarcResult.Pass)
            ?? checks[0];
    }

    private async Task<DmarcCheck> EvaluateAsync(string domain, SpfCheck? spf, IReadOnlyList<DkimCheck> dkim, CancellationToken cancellationToken)
    {
        var found = await LookUpPolicyAsync(domain, cancellationToken).ConfigureAwait(false);
        if (found.Failure is { } failure)
        {
            return new DmarcCheck(DmarcResult.TempError, domain, Reason: failure);
        }

        if (found is not { Record: { } record, Policy: { } policy })
        {
            return new DmarcCheck(DmarcResult.None, domain);
        }

        var spfAligned = spf is { Result: SpfResult.Pass } && Aligned(spf.Domain, domain, record.SpfAlignment);
        var dkimAligned = dkim.Any(d => d.Result == DkimResult.Pass && Aligned(d.Domain, domain, record.DkimAlignment));
        if (spfAligned || dkimAligned)
        {
            return new DmarcCheck(DmarcResult.Pass, domain, policy);
        }

        var disposition = policy switch
        {
            DmarcPolicy.Reject => DmarcDisposition.Reject,
            DmarcPolicy.Quarantine => DmarcDisposition.Quarantine,
            _ => DmarcDisposition.None,
        };

        // §6.6.4: a message outside the pct= sample gets the next policy down.
        if (disposition != DmarcDisposition.None && record.Percent < 100 && !_sample(record.Percent))
        {
            disposition = disposition == DmarcDisposition.Reject ? DmarcDisposition.Quarantine : DmarcDisposition.None;
        }

        return new DmarcCheck(DmarcResult.Fail, domain, policy, disposition, "no aligned SPF or DKIM pass");
    }

    /// <summary>
    /// The policy that governs mail From <paramref name="domain"/> (§6.6.3): the domain's own record, else its
    /// organizational domain's, whose sp= then applies to the subdomain. Also asked by lists, whose distribution
    /// depends on the poster's policy.
    /// </summary>
    public async Task<DmarcPolicyLookup> LookUpPolicyAsync(string domain, CancellationToken cancellationToken)
    {
        domain = domain.TrimEnd('.').ToLowerInvariant();
        var organizational = suffixes.OrganizationalDomain(domain);
        var found = await FindRecordAsync(domain, cancellationToken).ConfigureAwait(false);
        var atOrganizationalDomain = false;
        if (found is { Record: null, Failure: null } && organizational != domain)
        {
            found = await FindRecordAsync(organizational, cancellationToken).ConfigureAwait(false);
            atOrganizationalDomain = true;
        }

        // §6.6.3: sp= governs subdomains of the organizational domain whose record was used.
        var policy = found.Record is not { } record ? (DmarcPolicy?)null : atOrganizationalDomain ? record.SubdomainPolicy ?? record.Policy : record.Policy;
        return new DmarcPolicyLookup(found.Record, policy, found.Failure);
    }

    /// <summary>§3.1: strict means the same name; relaxed the same organizational domain.</summary>
    private bool Aligned(string identifier, string fromDomain, DmarcAlignment mode)
    {
        identifier = identifier.TrimEnd('.');
        return mode == DmarcAlignment.Strict
            ? identifier.Equals(fromDomain, StringComparison.OrdinalIgnoreCase)
            : suffixes.OrganizationalDomain(identifier).Equals(suffixes.OrganizationalDomain(fromDomain), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>§6.6.3: exactly one record starting with v=DMARC1; none or several means no policy here.</summary>
    private async Task<(DmarcRecord? Record, string? Failure)> FindRecordAsync(string domain, CancellationToken cancellationToken)
    {
        var txt = await dns.GetTxtAsync($"_dmarc.{domain}", cancellationToken).ConfigureAwait(false);
        if (txt.IsTemporaryFailure)
        {
            return (null, txt.Error ?? $"TXT _dmarc.{domain} failed");
        }

        var records = txt.Records.Where(DmarcRecord.IsDmarcRecord).ToList();
        return (records.Count == 1 ? DmarcRecord.TryParse(records[0]) : null, null);
    }
}

/// <summary>What DNS says about a From domain's DMARC policy: the record and the policy that applies (null without one), or why the lookup failed.</summary>
public sealed record DmarcPolicyLookup(DmarcRecord? Record, DmarcPolicy? Policy, string? Failure);
