using System.Security.Cryptography;
using MailCloud.Core.Directory;
using MailCloud.Core.Lists;
using MailCloud.Core.Queueing;
using MailCloud.Functions.Tests.Support;
using MailCloud.Testing;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using MimeKit.Cryptography;

namespace MailCloud.Functions.Tests.Pipeline;

/// <summary>The relay tests' MX records, plus the DMARC policies of the posters' domains.</summary>
public sealed class ListDnsFixture : IAsyncLifetime
{
    public DnsServer Dns { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                Dns = await DnsServer.StartAsync(
                [
                    "--local=/test/",
                    "--mx-host=remote.test,mx.remote.test,10",
                    "--host-record=mx.remote.test,127.0.0.1",
                    "--txt-record=_dmarc.gmail.test,v=DMARC1; p=reject",
                    "--txt-record=_dmarc.quiet.test,v=DMARC1; p=none",
                ]);
                return;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
            }
        }
    }

    public async Task DisposeAsync() => await Dns.DisposeAsync();
}

/// <summary>A list post through Route, Deliver and Relay: one copy per member, VERP, per-member List-Unsubscribe, the list's DKIM signature.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ListDistributionTests(AzuriteFixture azurite, ListDnsFixture dns) : IClassFixture<ListDnsFixture>
{
    private const string List = "team@example.test";
    private static readonly DistributionList Team = new(List, [], PostingPolicy.Anyone, []);
    private static readonly EnvelopeAuthentication Verdict = new() { Spf = "pass", Dkim = "pass", Dmarc = "pass", FromDomain = "gmail.test", Author = "jane@gmail.test" };
    private readonly RSA _dkimKey = RSA.Create(2048);

    [Fact]
    public async Task A_post_from_a_p_reject_domain_goes_to_each_member_under_verp_with_its_own_unsubscribe_and_the_lists_signature()
    {
        await using var remote = new RemoteMta();
        await using var host = await CreateHostAsync(remote.Port);
        var alice = await RelayTestHosts.SenderAsync(host);
        await host.Directory.AddListAsync(List, [RelayTestHosts.Sender, "carol@remote.test", "dave@remote.test"], PostingPolicy.Anyone, [], default);
        await host.StartAsync();
        var links = host.Services.GetRequiredService<ListLinks>();

        await host.SubmitAsync("jane@gmail.test", [List], PipelineTestHost.NewMessage("Jane Doe <jane@gmail.test>", List, "lunch?"), authentication: Verdict);

        await RelayTestHosts.WaitForAsync(() => remote.Received.Count >= 2);
        await host.WaitForIdleAsync();
        Assert.Equal(2, remote.Received.Count);
        foreach (var member in new[] { "carol@remote.test", "dave@remote.test" })
        {
            var received = Assert.Single(remote.Received, r => r.Recipients.SequenceEqual([member]));
            Assert.Equal(links.BounceAddress(Team, member), received.MailFrom);
            var message = MimeMessage.Load(new MemoryStream(received.Data));
            Assert.Equal("lunch?", message.Subject);
            var from = Assert.IsType<MailboxAddress>(Assert.Single(message.From));
            Assert.Equal((List, "Jane Doe via team"), (from.Address, from.Name));
            Assert.Equal("jane@gmail.test", ((MailboxAddress)Assert.Single(message.ReplyTo)).Address);
            var unsubscribe = Assert.Single(message.Headers, h => h.Id == HeaderId.ListUnsubscribe).Value;
            Assert.Contains($"<{links.UnsubscribeUrl(Team, member)}>", unsubscribe);
            Assert.Contains($"<{links.UnsubscribeMailto(Team, member)}>", unsubscribe);
            Assert.Equal("List-Unsubscribe=One-Click", message.Headers[HeaderId.ListUnsubscribePost]);

            var signature = Assert.Single(message.Headers, h => h.Id == HeaderId.DkimSignature);
            Assert.Contains("d=example.test", signature.Value);
            var signed = signature.Value.Replace("\r\n", "").Replace(" ", "");
            Assert.Contains("list-unsubscribe:", signed, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("list-unsubscribe-post", signed, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("list-id", signed, StringComparison.OrdinalIgnoreCase);
            Assert.True(await new DkimVerifier(new TestDkimKeyLocator(_dkimKey)).VerifyAsync(message, signature));
        }

        var filed = Assert.Single(await host.WaitForInboxAsync(alice.Id));
        Assert.Equal($"<{links.BounceAddress(Team, RelayTestHosts.Sender)}>", filed.Headers[HeaderId.ReturnPath]);
        Assert.Contains($"<{links.UnsubscribeUrl(Team, RelayTestHosts.Sender)}>", filed.Headers[HeaderId.ListUnsubscribe]);
        Assert.Equal("<team.example.test>", filed.Headers[HeaderId.ListId]);
        Assert.Equal(List, ((MailboxAddress)filed.From[0]).Address);
    }

    [Fact]
    public async Task A_post_from_a_p_none_domain_keeps_its_from_and_is_still_signed_by_the_list()
    {
        await using var remote = new RemoteMta();
        await using var host = await CreateHostAsync(remote.Port);
        await RelayTestHosts.SenderAsync(host);
        await host.Directory.AddListAsync(List, ["carol@remote.test"], PostingPolicy.Anyone, [], default);
        await host.StartAsync();

        await host.SubmitAsync("ann@quiet.test", [List], PipelineTestHost.NewMessage("ann@quiet.test", List, "hello all"), authentication: Verdict with { FromDomain = "quiet.test", Author = "ann@quiet.test" });

        await RelayTestHosts.WaitForAsync(() => remote.Received.Count >= 1);
        var message = MimeMessage.Load(new MemoryStream(Assert.Single(remote.Received).Data));
        Assert.Equal("ann@quiet.test", ((MailboxAddress)Assert.Single(message.From)).Address);
        Assert.False(message.Headers.Contains("X-Original-From"));
        var signature = Assert.Single(message.Headers, h => h.Id == HeaderId.DkimSignature);
        Assert.Contains("d=example.test", signature.Value);
        Assert.True(await new DkimVerifier(new TestDkimKeyLocator(_dkimKey)).VerifyAsync(message, signature));
    }

    private Task<PipelineTestHost> CreateHostAsync(int mxPort) =>
        RelayTestHosts.CreateAsync(azurite, dns.Dns, mxPort, _dkimKey, new Dictionary<string, string?> { ["Dns:Servers:0"] = dns.Dns.Endpoint });
}
