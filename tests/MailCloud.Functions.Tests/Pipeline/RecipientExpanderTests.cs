using MailCloud.Core.Directory;
using MailCloud.Core.Pipeline;
using MailCloud.Core.Pipeline.Route;
using MailCloud.Core.Queueing;
using Microsoft.Extensions.Options;

namespace MailCloud.Functions.Tests.Pipeline;

/// <summary>Routing decisions on a directory snapshot built in memory: no storage involved.</summary>
public sealed class RecipientExpanderTests
{
    private static readonly Account Alice = NewAccount("a1", "alice@example.test");
    private static readonly Account Bob = NewAccount("b1", "bob@example.test");
    private readonly SenderRewritingScheme _srs = new(Options.Create(new PipelineOptions { SrsSecret = "unit-test-secret-0123456789" }), TimeProvider.System);

    [Fact]
    public void Nested_aliases_reach_each_account_once()
    {
        var directory = Snapshot(aliases: [new Alias("team@example.test", ["alice@example.test", "all@example.test"]), new Alias("all@example.test", ["alice@example.test", "bob@example.test"])]);

        var result = Expand(directory, "x@remote.test", "team@example.test", "Alice@example.test");

        Assert.Equal(["a1", "b1"], result.Local.Select(l => l.Account.Id).Order());
        Assert.Empty(result.Failures);
        Assert.All(result.Local, l => Assert.StartsWith("rfc822;", l.Recipient.OriginalRecipient));
    }

    [Fact]
    public void Alias_loop_without_a_final_recipient_fails_with_5_4_6()
    {
        var directory = Snapshot(aliases: [new Alias("ping@example.test", ["pong@example.test"]), new Alias("pong@example.test", ["ping@example.test"])]);

        var result = Expand(directory, "x@remote.test", "ping@example.test");

        Assert.Equal("5.4.6", Assert.Single(result.Failures).Status);
        Assert.Empty(result.Local);
    }

    [Fact]
    public void Alias_loop_with_a_way_out_delivers_and_does_not_fail()
    {
        var directory = Snapshot(aliases: [new Alias("ping@example.test", ["pong@example.test", "alice@example.test"]), new Alias("pong@example.test", ["ping@example.test"])]);

        var result = Expand(directory, "x@remote.test", "ping@example.test");

        Assert.Equal("a1", Assert.Single(result.Local).Account.Id);
        Assert.Empty(result.Failures);
    }

    [Theory]
    [InlineData(PostingPolicy.Anyone, "stranger@remote.test", true)]
    [InlineData(PostingPolicy.Members, "bob@example.test", true)]
    [InlineData(PostingPolicy.Members, "stranger@remote.test", false)]
    [InlineData(PostingPolicy.Members, "", false)]
    [InlineData(PostingPolicy.Senders, "boss@remote.test", true)]
    [InlineData(PostingPolicy.Senders, "bob@example.test", false)]
    public void Posting_policy_decides_who_may_post(PostingPolicy policy, string sender, bool allowed)
    {
        var directory = Snapshot(lists: [new DistributionList("list@example.test", ["alice@example.test", "bob@example.test"], policy, ["boss@remote.test"])]);

        var result = Expand(directory, sender, "list@example.test");

        Assert.Equal(allowed ? 2 : 0, result.Local.Count);
        Assert.Equal(allowed ? 0 : 1, result.Held.Count);
        Assert.Empty(result.Failures);
    }

    [Fact]
    public void A_list_that_rejects_non_member_posts_fails_them_with_5_7_1()
    {
        var list = new DistributionList("list@example.test", ["alice@example.test"], PostingPolicy.Members, []) { Settings = new ListSettings { NonMemberPosts = NonMemberPosts.Reject } };

        var result = Expand(Snapshot(lists: [list]), "stranger@remote.test", "list@example.test");

        Assert.Equal("5.7.1", Assert.Single(result.Failures).Status);
        Assert.Empty(result.Held);
        Assert.Empty(result.Local);
    }

    [Theory]
    [InlineData("owner@remote.test", false)]
    [InlineData("alice@example.test", true)]
    [InlineData("stranger@remote.test", true)]
    public void A_moderated_list_holds_every_post_but_its_owners(string sender, bool held)
    {
        var list = new DistributionList("list@example.test", ["alice@example.test", "bob@example.test"], PostingPolicy.Moderated, []) { Owners = ["owner@remote.test"] };

        var result = Expand(Snapshot(lists: [list]), sender, ["list@example.test"], null, sender.EndsWith("example.test", StringComparison.Ordinal) ? sender : null);

        Assert.Equal(held ? 1 : 0, result.Held.Count);
        Assert.Equal(held ? 0 : 2, result.Local.Count);
        Assert.Empty(result.Failures);
    }

    [Fact]
    public void Disabled_members_receive_nothing()
    {
        var list = new DistributionList("list@example.test", ["alice@example.test", "bob@example.test"], PostingPolicy.Anyone, [])
        {
            Disabled = [new DisabledMember("Bob@example.test", DateTimeOffset.UnixEpoch, DisabledReason.Bounces)],
        };

        var result = Expand(Snapshot(lists: [list]), "x@remote.test", "list@example.test");

        Assert.Equal("a1", Assert.Single(result.Local).Account.Id);
    }

    [Fact]
    public void Control_addresses_of_a_list_reach_the_list_not_its_members()
    {
        var list = new DistributionList("list@example.test", ["alice@example.test"], PostingPolicy.Anyone, []);

        var result = Expand(Snapshot(lists: [list]), "x@remote.test", "list-request@example.test", "LIST-bounces+ABCDEFGHIJKLMNOP@example.test", "nolist-owner@example.test");

        Assert.Empty(result.Local);
        Assert.Collection(
            result.ListControl,
            c => Assert.Equal((Core.Lists.ListCommand.Request, (string?)null), (c.Control.Command, c.Control.Token)),
            c => Assert.Equal((Core.Lists.ListCommand.Bounces, "abcdefghijklmnop"), (c.Control.Command, c.Control.Token)));
        Assert.Equal("5.1.1", Assert.Single(result.Failures).Status);
    }

    [Theory]
    // Arrived at the MX: the DMARC-aligned From decides, never MAIL FROM alone.
    [InlineData("boss@remote.test", "pass", "boss@remote.test", null, true)]
    [InlineData("boss@remote.test", "none", "boss@remote.test", null, false)]
    [InlineData("boss@remote.test", "fail", "boss@remote.test", null, false)]
    [InlineData("boss@remote.test", "temperror", "boss@remote.test", null, false)]
    [InlineData("boss@remote.test", "pass", "stranger@remote.test", null, false)]
    [InlineData("stranger@remote.test", "pass", "BOSS@remote.test", null, true)]
    [InlineData("boss@remote.test", "pass", null, null, false)]
    // Submitted by a user: submission checked that the user owns MAIL FROM.
    [InlineData("bob@example.test", "none", null, "bob@example.test", true)]
    public void Members_only_lists_judge_mail_from_the_mx_by_its_dmarc_aligned_from(string mailFrom, string dmarc, string? author, string? authenticatedUser, bool allowed)
    {
        var directory = Snapshot(lists: [new DistributionList("list@example.test", ["alice@example.test", "bob@example.test", "boss@remote.test"], PostingPolicy.Members, [])]);
        var authentication = authenticatedUser is null
            ? new EnvelopeAuthentication { Spf = "pass", Dkim = "none", Dmarc = dmarc, FromDomain = author?.Split('@')[1], Author = author }
            : null;

        var result = Expand(directory, mailFrom, ["list@example.test"], authentication, authenticatedUser);

        Assert.Equal(allowed ? 2 : 0, result.Local.Count);
        Assert.Equal(allowed ? 0 : 1, result.Held.Count);
    }

    [Fact]
    public void Remote_target_of_an_alias_is_marked_as_forwarded_by_the_alias_domain()
    {
        var directory = Snapshot(aliases: [new Alias("fwd@example.test", ["carol@remote.test"])]);

        var result = Expand(directory, "x@remote.test", "fwd@example.test", "dave@remote.test");

        Assert.Equal("example.test", result.Remote.Single(r => r.Address.ToString() == "carol@remote.test").ForwardingDomain);
        Assert.Null(result.Remote.Single(r => r.Address.ToString() == "dave@remote.test").ForwardingDomain);
    }

    [Fact]
    public void Unknown_and_disabled_recipients_fail_and_srs_bounces_go_back_to_the_original_sender()
    {
        var disabled = NewAccount("d1", "off@example.test") with { Enabled = false };
        var directory = Snapshot(extraAccounts: [disabled]);
        var srsAddress = _srs.Forward("orig@elsewhere.test", "example.test");

        var result = Expand(directory, "", "ghost@example.test", "off@example.test", srsAddress);

        Assert.Equal(["5.1.1", "5.2.1"], result.Failures.Select(f => f.Status));
        Assert.Equal("orig@elsewhere.test", Assert.Single(result.Remote).Address.ToString());
    }

    [Fact]
    public void A_post_an_owner_approved_for_the_list_is_not_held_again_but_a_nested_list_still_judges_it()
    {
        var inner = new DistributionList("inner@example.test", ["bob@example.test"], PostingPolicy.Members, []);
        var list = new DistributionList("list@example.test", ["alice@example.test", "inner@example.test"], PostingPolicy.Moderated, []) { Owners = ["owner@remote.test"] };
        var envelope = new MessageEnvelope
        {
            MessageId = "approved-1",
            SpoolBlob = "2026/01/01/approved-1.eml",
            MailFrom = "stranger@remote.test",
            Recipients = [new EnvelopeRecipient { Address = "list@example.test" }],
            ReceivedFrom = new ReceivedFrom { RemoteIp = "127.0.0.1", Helo = "client.test" },
            ReceivedAt = DateTimeOffset.UtcNow,
            ApprovedForList = "LIST@example.test",
        };

        var result = new RecipientExpander(_srs).Expand(Snapshot(lists: [list, inner]), envelope, maxDepth: 10);

        Assert.Equal("alice@example.test", Assert.Single(result.Local).Account.Address);
        Assert.Equal("inner@example.test", Assert.Single(result.Held).List.Address);
        Assert.Empty(result.Failures);
    }

    [Fact]
    public void Srs_address_with_a_forged_hash_is_not_reversed()
    {
        var genuine = _srs.Forward("orig@elsewhere.test", "example.test");
        var forged = "SRS0=AAAA" + genuine[9..];

        Assert.True(_srs.TryReverse(genuine, out var original));
        Assert.Equal("orig@elsewhere.test", original);
        Assert.False(_srs.TryReverse(forged, out _));
    }

    private RecipientExpansion Expand(DirectorySnapshot directory, string mailFrom, params string[] recipients) =>
        Expand(directory, mailFrom, recipients, authentication: null, authenticatedUser: null);

    private RecipientExpansion Expand(DirectorySnapshot directory, string mailFrom, string[] recipients, EnvelopeAuthentication? authentication, string? authenticatedUser) =>
        new RecipientExpander(_srs).Expand(directory, new MessageEnvelope
        {
            MessageId = "m1",
            SpoolBlob = "2026/01/01/m1.eml",
            MailFrom = mailFrom,
            Recipients = [.. recipients.Select(r => new EnvelopeRecipient { Address = r })],
            ReceivedFrom = new ReceivedFrom { RemoteIp = "127.0.0.1", Helo = "client.test", AuthenticatedUser = authenticatedUser },
            ReceivedAt = DateTimeOffset.UtcNow,
            Authentication = authentication,
        }, maxDepth: 10);

    private static DirectorySnapshot Snapshot(IReadOnlyList<Alias>? aliases = null, IReadOnlyList<DistributionList>? lists = null, IReadOnlyList<Account>? extraAccounts = null) =>
        new("v1", [new HostedDomain("example.test")], [Alice, Bob, .. extraAccounts ?? []], aliases ?? [], lists ?? []);

    private static Account NewAccount(string id, string address) => new(id, address, null, "unused", 1 << 20, true, DateTimeOffset.UnixEpoch);
}
