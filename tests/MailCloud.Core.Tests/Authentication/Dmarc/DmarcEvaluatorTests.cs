using System.Net;
using MailCloud.Core.Authentication.Dkim;
using MailCloud.Core.Authentication.Dmarc;
using MailCloud.Core.Authentication.Spf;
using MailCloud.Testing;

namespace MailCloud.Core.Tests.Authentication.Dmarc;

/// <summary>DMARC policy discovery, alignment and disposition against records served from a zone.</summary>
public sealed class DmarcEvaluatorTests
{
    private static readonly Lazy<PublicSuffixList> Suffixes = new(PublicSuffixList.LoadEmbedded);
    private readonly ZoneDnsResolver _zone = new();

    public DmarcEvaluatorTests()
    {
        _zone.AddTxt("_dmarc.sender.test", "v=DMARC1; p=reject; sp=quarantine; rua=mailto:dmarc@sender.test");
        _zone.AddTxt("_dmarc.strict.test", "v=DMARC1; p=reject; adkim=s; aspf=s");
        _zone.AddTxt("_dmarc.quiet.test", "v=DMARC1; p=quarantine");
        _zone.AddTxt("_dmarc.watch.test", "v=DMARC1; p=none");
        _zone.AddTxt("_dmarc.half.test", "v=DMARC1; p=reject; pct=50");
        _zone.AddTxt("_dmarc.bogus.test", "v=DMARC1; p=bogus");
        _zone.AddTxt("_dmarc.bogus-rua.test", "v=DMARC1; p=bogus; rua=mailto:r@bogus-rua.test");
        _zone.AddTxt("_dmarc.notfirst.test", "p=reject; v=DMARC1");
        _zone.AddTxt("_dmarc.sender.co.uk", "v=DMARC1; p=reject");
        _zone.Add("_dmarc.slow.test", ZoneDnsResolver.Timeout);
    }

    private DmarcEvaluator Evaluator(bool inSample = true) => new(_zone, Suffixes.Value, _ => inSample);

    private static SpfCheck Spf(SpfResult result, string domain) => new(result, SpfIdentity.MailFrom, domain, $"bounce@{domain}");

    private static DkimCheck Dkim(DkimResult result, string domain) => new(result, domain, "sel");

    private Task<DmarcCheck> EvaluateAsync(string from, SpfCheck? spf, params DkimCheck[] dkim) =>
        Evaluator().EvaluateAsync([from], spf, dkim, CancellationToken.None);

    [Fact]
    public async Task Relaxed_alignment_passes_with_spf_or_dkim_of_a_subdomain()
    {
        Assert.Equal(DmarcResult.Pass, (await EvaluateAsync("sender.test", Spf(SpfResult.Pass, "bounce.sender.test"))).Result);
        Assert.Equal(DmarcResult.Pass, (await EvaluateAsync("sender.test", Spf(SpfResult.Fail, "sender.test"), Dkim(DkimResult.Pass, "mail.sender.test"))).Result);
        Assert.Equal(DmarcResult.Pass, (await EvaluateAsync("mail.sender.co.uk", null, Dkim(DkimResult.Pass, "sender.co.uk"))).Result);
    }

    [Fact]
    public async Task Strict_alignment_needs_the_same_name()
    {
        var spf = await EvaluateAsync("strict.test", Spf(SpfResult.Pass, "bounce.strict.test"), Dkim(DkimResult.Pass, "mail.strict.test"));
        Assert.Equal((DmarcResult.Fail, DmarcDisposition.Reject), (spf.Result, spf.Disposition));
        Assert.Equal(DmarcResult.Pass, (await EvaluateAsync("strict.test", Spf(SpfResult.Pass, "strict.test"))).Result);
    }

    [Fact]
    public async Task Unaligned_or_failed_identifiers_fail_with_the_published_policy()
    {
        // A pass for another domain, and a failing signature of the right one, do not count.
        var forged = await EvaluateAsync("sender.test", Spf(SpfResult.Pass, "attacker.test"), Dkim(DkimResult.Fail, "sender.test"), Dkim(DkimResult.Pass, "attacker.test"));
        Assert.Equal((DmarcResult.Fail, DmarcPolicy.Reject, DmarcDisposition.Reject, "sender.test"), (forged.Result, forged.Policy, forged.Disposition, forged.FromDomain));
        Assert.Equal(DmarcDisposition.Quarantine, (await EvaluateAsync("quiet.test", null)).Disposition);
        var watched = await EvaluateAsync("watch.test", null);
        Assert.Equal((DmarcResult.Fail, DmarcDisposition.None), (watched.Result, watched.Disposition));
    }

    [Fact]
    public async Task A_subdomain_without_its_own_record_gets_the_organizational_sp_policy()
    {
        var check = await EvaluateAsync("news.sender.test", null);

        Assert.Equal((DmarcResult.Fail, DmarcPolicy.Quarantine, DmarcDisposition.Quarantine), (check.Result, check.Policy, check.Disposition));
        Assert.Equal(["TXT _dmarc.news.sender.test", "TXT _dmarc.sender.test"], _zone.Queries);
    }

    [Fact]
    public async Task Pct_outside_the_sample_takes_the_next_policy_down()
    {
        var sampled = await Evaluator(inSample: true).EvaluateAsync(["half.test"], null, [], CancellationToken.None);
        var unsampled = await Evaluator(inSample: false).EvaluateAsync(["half.test"], null, [], CancellationToken.None);

        Assert.Equal(DmarcDisposition.Reject, sampled.Disposition);
        Assert.Equal(DmarcDisposition.Quarantine, unsampled.Disposition);
    }

    [Fact]
    public async Task Several_from_domains_take_the_strictest_failure()
    {
        var check = await Evaluator().EvaluateAsync(["quiet.test", "sender.test", "other.test"], Spf(SpfResult.Pass, "quiet.test"), [], CancellationToken.None);

        Assert.Equal((DmarcResult.Fail, "sender.test", DmarcDisposition.Reject), (check.Result, check.FromDomain, check.Disposition));
    }

    [Fact]
    public async Task No_from_domain_fails_into_quarantine()
    {
        var check = await Evaluator().EvaluateAsync([], Spf(SpfResult.Pass, "sender.test"), [], CancellationToken.None);

        Assert.Equal((DmarcResult.Fail, DmarcDisposition.Quarantine), (check.Result, check.Disposition));
    }

    [Fact]
    public async Task Missing_invalid_and_unreachable_records()
    {
        Assert.Equal(DmarcResult.None, (await EvaluateAsync("nothing.test", null)).Result);
        Assert.Equal(DmarcResult.None, (await EvaluateAsync("bogus.test", null)).Result);
        Assert.Equal(DmarcResult.None, (await EvaluateAsync("notfirst.test", null)).Result);
        var withRua = await EvaluateAsync("bogus-rua.test", null);
        Assert.Equal((DmarcResult.Fail, DmarcPolicy.None, DmarcDisposition.None), (withRua.Result, withRua.Policy, withRua.Disposition));
        Assert.Equal(DmarcResult.TempError, (await EvaluateAsync("slow.test", null)).Result);
    }

    [Fact]
    public async Task Spf_results_from_the_real_evaluator_align()
    {
        _zone.AddTxt("sender.test", "v=spf1 ip4:192.0.2.0/24 -all");
        var spf = await new SpfEvaluator(_zone, TimeProvider.System).CheckMailFromAsync(IPAddress.Parse("192.0.2.7"), "bounce@sender.test", "mta.sender.test", "mx.example.test", CancellationToken.None);

        Assert.Equal(DmarcResult.Pass, (await EvaluateAsync("sender.test", spf)).Result);
    }
}
