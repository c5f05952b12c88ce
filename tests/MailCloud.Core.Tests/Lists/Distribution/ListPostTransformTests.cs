using MailCloud.Core.Authentication.Dmarc;
using MailCloud.Core.Directory;
using MailCloud.Core.Lists;
using MailCloud.Core.Lists.Distribution;
using MailCloud.Core.Pipeline;
using MailCloud.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Cryptography;

namespace MailCloud.Core.Tests.Lists.Distribution;

public class ListPostTransformTests
{
    private static readonly DistributionList Team = new("team@example.test", ["alice@example.test", "carol@remote.test"], PostingPolicy.Anyone, []);

    private static readonly ListHeaderFields Fields = new(new ListLinks(
        new ListTokens(Options.Create(new PipelineOptions { SrsSecret = "unit-test-secret-0123456789" })),
        Options.Create(new ListOptions { WebBaseUrl = "https://lists.example.test" }),
        Options.Create(new PipelineOptions { HostName = "mail.example.test" })));

    private static MimeMessage Post(string from = "Jane Doe <jane@gmail.test>", string subject = "Lunch?", MimeEntity? body = null)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse(Team.Address));
        message.Subject = subject;
        message.MessageId = "post-1@gmail.test";
        message.Body = body ?? new TextPart("plain") { Text = "Who is in?\r\n" };
        return message;
    }

    private static MimeMessage Apply(MimeMessage post, DistributionList? list = null, bool mitigate = false)
    {
        list ??= Team;
        return ListPostTransform.Apply(post, list, Fields.For(list), mitigate, "wrap-1@example.test");
    }

    [Fact]
    public void The_copy_carries_the_list_fields_and_drops_those_of_another_list()
    {
        var post = Post();
        post.Headers.Add("List-Id", "<other.elsewhere.test>");
        post.Headers.Add("List-Unsubscribe", "<mailto:leave@elsewhere.test>");
        post.Headers.Add("Precedence", "bulk");
        var list = Team with { Settings = new ListSettings { Description = "Team, lunch & more", Archive = true, Subscription = SubscriptionPolicy.Confirm } };

        var copy = Apply(post, list);

        Assert.Equal("\"Team, lunch & more\" <team.example.test>", Assert.Single(copy.Headers, h => h.Id == HeaderId.ListId).Value);
        Assert.Equal("<mailto:team@example.test>", copy.Headers[HeaderId.ListPost]);
        Assert.Equal("<mailto:team-request@example.test?subject=help>", copy.Headers[HeaderId.ListHelp]);
        Assert.Equal("<mailto:team-owner@example.test>", copy.Headers[HeaderId.ListOwner]);
        Assert.Equal("<mailto:team-subscribe@example.test>", copy.Headers[HeaderId.ListSubscribe]);
        Assert.Equal("<imap://mail.example.test/%23lists/team%40example.test>", copy.Headers[HeaderId.ListArchive]);
        Assert.Equal("List-Unsubscribe=One-Click", copy.Headers[HeaderId.ListUnsubscribePost]);
        Assert.Equal("list", Assert.Single(copy.Headers, h => h.Field == "Precedence").Value);
        // The member's List-Unsubscribe comes at send time; the relayed list's is gone.
        Assert.DoesNotContain(copy.Headers, h => h.Id == HeaderId.ListUnsubscribe);
        AssertFromJane(copy);
    }

    [Fact]
    public void Without_archive_description_or_self_service_those_fields_are_left_out()
    {
        var copy = Apply(Post());

        Assert.Equal("<team.example.test>", copy.Headers[HeaderId.ListId]);
        Assert.False(copy.Headers.Contains(HeaderId.ListArchive));
        Assert.False(copy.Headers.Contains(HeaderId.ListSubscribe));
    }

    [Fact]
    public void A_member_gets_a_one_click_url_and_a_mailto_of_their_own()
    {
        var alice = Fields.ForMember(Team, "alice@example.test");
        var carol = Fields.ForMember(Team, "carol@remote.test");
        var message = Post();

        ListHeaderFields.PrependMemberFields(message, alice);

        Assert.NotEqual(alice.Unsubscribe, carol.Unsubscribe);
        var value = message.Headers[HeaderId.ListUnsubscribe] ?? "";
        Assert.Matches(@"^<https://lists\.example\.test/lists/unsubscribe/team%40example\.test/[a-z2-7]{16}>, *<mailto:team-unsubscribe\+[a-z2-7]{16}@example\.test>$", value.Replace("\r\n", ""));
        Assert.Equal(0, message.Headers.IndexOf(HeaderId.ListUnsubscribe));
    }

    [Theory]
    [InlineData("Lunch?", "[team] Lunch?")]
    [InlineData("Re: [team] Lunch?", "Re: [team] Lunch?")]
    [InlineData("Re: [TEAM] Lunch?", "Re: [TEAM] Lunch?")]
    [InlineData("", "[team]")]
    public void The_subject_tag_is_added_once(string subject, string expected)
    {
        var copy = Apply(Post(subject: subject), Team with { Settings = new ListSettings { SubjectTag = "[team]" } });

        Assert.Equal(expected, copy.Subject);
    }

    [Fact]
    public void A_plain_text_post_gets_the_footer_appended()
    {
        var copy = Apply(Post(body: new TextPart("plain") { Text = "Who is in? Ünïcode.\r\n" }), WithFooter("-- \r\nTeam list: leave at https://lists.example.test"));

        var text = Assert.IsType<TextPart>(copy.Body);
        Assert.Equal("Who is in? Ünïcode.\n-- \nTeam list: leave at https://lists.example.test\n", text.Text.Replace("\r\n", "\n"));
        Assert.Equal(ContentEncoding.QuotedPrintable, text.ContentTransferEncoding);
    }

    [Fact]
    public void A_mixed_post_gets_a_footer_part_at_its_end()
    {
        var mixed = new Multipart("mixed") { new TextPart("plain") { Text = "see attached" }, new MimePart("application", "pdf") { Content = new MimeContent(new MemoryStream([1, 2, 3])), FileName = "a.pdf" } };

        var copy = Apply(Post(body: mixed), WithFooter("Team list"));

        var parts = Assert.IsType<Multipart>(copy.Body);
        Assert.Equal(3, parts.Count);
        Assert.Equal("see attached", ((TextPart)parts[0]).Text);
        Assert.Equal("Team list", Assert.IsType<TextPart>(parts[2]).Text);
    }

    [Fact]
    public void An_alternative_post_is_put_in_a_mixed_one_with_the_footer_after_it()
    {
        var alternative = new MultipartAlternative { new TextPart("plain") { Text = "hi" }, new TextPart("html") { Text = "<p>hi</p>" } };

        var copy = Apply(Post(body: alternative), WithFooter("Team list"));

        var mixed = Assert.IsType<Multipart>(copy.Body);
        Assert.True(mixed.ContentType.IsMimeType("multipart", "mixed"));
        Assert.IsType<MultipartAlternative>(mixed[0]);
        Assert.Equal("Team list", Assert.IsType<TextPart>(mixed[1]).Text);
    }

    [Fact]
    public void A_signed_post_gets_no_footer()
    {
        var signed = new MultipartSigned();
        signed.Add(new TextPart("plain") { Text = "signed words" });
        signed.Add(new ApplicationPgpSignature(new MemoryStream("-----BEGIN PGP SIGNATURE-----\r\n-----END PGP SIGNATURE-----\r\n"u8.ToArray())));
        var post = Post(body: signed);
        var before = Body(post);

        var copy = Apply(post, WithFooter("Team list"));

        Assert.Same(signed, copy.Body);
        Assert.Equal(before, Body(copy));
    }

    [Fact]
    public void Rewrite_from_puts_the_list_in_from_and_the_author_in_reply_to()
    {
        var copy = Apply(Post(), mitigate: true);

        var from = Assert.IsType<MailboxAddress>(Assert.Single(copy.From));
        Assert.Equal("team@example.test", from.Address);
        Assert.Equal("Jane Doe via team", from.Name);
        Assert.Equal("jane@gmail.test", Assert.IsType<MailboxAddress>(Assert.Single(copy.ReplyTo)).Address);
        Assert.Empty(copy.Cc);
        Assert.Equal("Jane Doe <jane@gmail.test>", copy.Headers["X-Original-From"]?.Trim());
    }

    [Fact]
    public void Rewrite_from_keeps_the_posts_reply_to_and_puts_the_author_in_cc()
    {
        var post = Post(from: "jane@gmail.test");
        post.ReplyTo.Add(MailboxAddress.Parse("jane-replies@gmail.test"));

        var copy = Apply(post, mitigate: true);

        Assert.Equal("jane via team", ((MailboxAddress)copy.From[0]).Name);
        Assert.Equal("jane-replies@gmail.test", ((MailboxAddress)Assert.Single(copy.ReplyTo)).Address);
        Assert.Equal("jane@gmail.test", ((MailboxAddress)Assert.Single(copy.Cc)).Address);
    }

    [Fact]
    public void Wrap_sends_the_post_untouched_inside_a_message_from_the_list()
    {
        var post = Post();
        post.Headers.Add(HeaderId.DkimSignature, "v=1; a=rsa-sha256; d=gmail.test; s=s; h=from; bh=x; b=y");
        post.Headers.Insert(0, new Header(HeaderId.Received, "from mx.gmail.test by mx.example.test; Mon, 1 Jan 2024 00:00:00 +0000"));
        var list = Team with { Settings = new ListSettings { DmarcMitigation = DmarcMitigation.Wrap, SubjectTag = "[team]", Footer = "Team list" } };

        var copy = Apply(post, list, mitigate: true);

        Assert.Equal("team@example.test", ((MailboxAddress)Assert.Single(copy.From)).Address);
        Assert.Equal("[team] Lunch?", copy.Subject);
        Assert.Equal("team@example.test", ((MailboxAddress)Assert.Single(copy.To)).Address);
        Assert.Equal("jane@gmail.test", ((MailboxAddress)Assert.Single(copy.ReplyTo)).Address);
        Assert.Equal("wrap-1@example.test", copy.MessageId);
        Assert.Equal("<team.example.test>", copy.Headers[HeaderId.ListId]);
        Assert.False(copy.Headers.Contains(HeaderId.DkimSignature));
        Assert.Contains("from mx.gmail.test", copy.Headers[HeaderId.Received]);
        var parts = Assert.IsType<Multipart>(copy.Body);
        var inner = Assert.IsType<MessagePart>(parts[0]).Message!;
        Assert.Equal("Lunch?", inner.Subject);
        Assert.Equal("jane@gmail.test", ((MailboxAddress)inner.From[0]).Address);
        Assert.True(inner.Headers.Contains(HeaderId.DkimSignature));
        Assert.Equal("Team list", Assert.IsType<TextPart>(parts[1]).Text);
    }

    [Fact]
    public void Wrap_without_a_footer_is_a_message_rfc822_body()
    {
        var copy = Apply(Post(), Team with { Settings = new ListSettings { DmarcMitigation = DmarcMitigation.Wrap } }, mitigate: true);

        Assert.IsType<MessagePart>(copy.Body);
        Assert.Contains("message/rfc822", copy.ToString());
    }

    [Fact]
    public void Mitigation_none_leaves_from_as_posted()
    {
        var copy = Apply(Post(), Team with { Settings = new ListSettings { DmarcMitigation = DmarcMitigation.None } }, mitigate: true);

        AssertFromJane(copy);
        Assert.Empty(copy.ReplyTo);
        Assert.False(copy.Headers.Contains("X-Original-From"));
    }

    [Fact]
    public void Without_a_demanding_policy_nothing_is_rewritten()
    {
        var copy = Apply(Post());

        AssertFromJane(copy);
        Assert.False(copy.Headers.Contains("X-Original-From"));
    }

    [Theory]
    [InlineData("jane@gmail.test", true)]
    [InlineData("jane@mail.gmail.test", true)]
    [InlineData("ann@quiet.test", false)]
    [InlineData("ann@nodmarc.test", false)]
    [InlineData("ann@careful.test", true)]
    [InlineData("ann@sub.lenient.test", false)]
    [InlineData("ann@slow.test", false)]
    public async Task The_authors_policy_is_found_as_the_inbound_verifier_finds_it(string author, bool demands)
    {
        var zone = new ZoneDnsResolver()
            .AddTxt("_dmarc.gmail.test", "v=DMARC1; p=reject")
            .AddTxt("_dmarc.quiet.test", "v=DMARC1; p=none")
            .AddTxt("_dmarc.careful.test", "v=DMARC1; p=quarantine; pct=10")
            // The organizational domain's sp= governs its subdomains (RFC 7489 §6.6.3).
            .AddTxt("_dmarc.lenient.test", "v=DMARC1; p=reject; sp=none")
            .Add("_dmarc.slow.test", ZoneDnsResolver.Timeout);
        var policy = new AuthorDmarcPolicy(new DmarcEvaluator(zone, PublicSuffixList.LoadEmbedded()), NullLogger<AuthorDmarcPolicy>.Instance);

        Assert.Equal(demands, await policy.DemandsMitigationAsync(Post(from: author), CancellationToken.None));
    }

    private static void AssertFromJane(MimeMessage copy)
    {
        var from = Assert.IsType<MailboxAddress>(Assert.Single(copy.From));
        Assert.Equal(("Jane Doe", "jane@gmail.test"), (from.Name, from.Address));
    }

    private static DistributionList WithFooter(string footer) => Team with { Settings = new ListSettings { Footer = footer } };

    private static string Body(MimeMessage message)
    {
        using var stream = new MemoryStream();
        message.Body!.WriteTo(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
