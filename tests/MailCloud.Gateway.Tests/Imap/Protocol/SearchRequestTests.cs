using MailCloud.Core.Mailboxes;
using MailCloud.Gateway.Imap.Protocol;
using MimeKit;

namespace MailCloud.Gateway.Tests.Imap.Protocol;

public class SearchRequestTests
{
    private static readonly MessageSummary Seen = new(5, new MessageFlags(SystemFlags.Seen, new HashSet<string> { "$Work" }), new DateTimeOffset(2026, 3, 10, 23, 0, 0, TimeSpan.FromHours(-5)), 2000, 42);

    private static SearchCandidate Candidate(MimeMessage? message = null) => new(Seen, Recent: false, 3, 10, 20, message);

    [Theory]
    [InlineData("SEEN", true)]
    [InlineData("UNSEEN", false)]
    [InlineData("KEYWORD $Work", true)]
    [InlineData("UNKEYWORD $Work", false)]
    [InlineData("LARGER 1999 SMALLER 2001", true)]
    [InlineData("OR DELETED FLAGGED", false)]
    [InlineData("NOT (DELETED FLAGGED)", true)]
    [InlineData("2:4", true)]
    [InlineData("UID 6:*", false)]
    [InlineData("ON 10-Mar-2026", true)]
    [InlineData("SINCE 11-Mar-2026", false)]
    [InlineData("BEFORE 11-Mar-2026", true)]
    [InlineData("MODSEQ 42", true)]
    [InlineData("MODSEQ \"/flags/\\\\draft\" all 43", false)]
    [InlineData("NEW", false)]
    [InlineData("OLD", true)]
    [InlineData("CHARSET UTF-8 ALL", true)]
    public void Decides_from_the_listing_alone(string criteria, bool expected)
    {
        var request = SearchRequest.Parse(ProtocolTestInput.Reader(criteria));
        Assert.Equal(expected, request.Key.Evaluate(Candidate()));
    }

    [Fact]
    public void Content_keys_are_undecided_until_the_message_is_loaded()
    {
        var key = SearchRequest.Parse(ProtocolTestInput.Reader("SEEN SUBJECT \"lunch\"")).Key;
        Assert.Null(key.Evaluate(Candidate()));

        var message = new MimeMessage { Subject = "Lunch on Friday?" };
        message.Body = new TextPart("plain") { Text = "At the usual place." };
        Assert.True(key.Evaluate(Candidate(message)));
        Assert.True(SearchRequest.Parse(ProtocolTestInput.Reader("BODY usual")).Key.Evaluate(Candidate(message)));
        Assert.False(SearchRequest.Parse(ProtocolTestInput.Reader("BODY friday")).Key.Evaluate(Candidate(message)));
        Assert.True(SearchRequest.Parse(ProtocolTestInput.Reader("TEXT friday")).Key.Evaluate(Candidate(message)));
        Assert.False(SearchRequest.Parse(ProtocolTestInput.Reader("OR UNSEEN HEADER X-Spam yes")).Key.Evaluate(Candidate(message)));
    }

    [Fact]
    public void A_decided_or_branch_needs_no_content() =>
        Assert.True(SearchRequest.Parse(ProtocolTestInput.Reader("OR SEEN BODY x")).Key.Evaluate(Candidate()));

    [Fact]
    public void Parses_esearch_return_options()
    {
        var request = SearchRequest.Parse(ProtocolTestInput.Reader("RETURN (MIN COUNT) UNSEEN"));
        Assert.True(request.Extended);
        Assert.Equal(SearchReturn.Min | SearchReturn.Count, request.Return);
        Assert.Equal(SearchReturn.All, SearchRequest.Parse(ProtocolTestInput.Reader("RETURN () ALL")).Return);
    }

    [Theory]
    [InlineData("")]
    [InlineData("FROBNICATE")]
    [InlineData("LARGER")]
    [InlineData("OR SEEN")]
    [InlineData("(SEEN")]
    [InlineData("ON 31-Feb-2026")]
    [InlineData("RETURN (SAVE) ALL")]
    public void Rejects_malformed_criteria(string criteria) =>
        Assert.Throws<ImapSyntaxException>(() => SearchRequest.Parse(ProtocolTestInput.Reader(criteria)));

    [Theory]
    [InlineData("(", ")")]
    [InlineData("NOT ", "")]
    [InlineData("OR ALL ", "")]
    public void Nesting_up_to_the_limit_parses(string open, string close)
    {
        var depth = SearchRequest.MaxNestingDepth;
        var criteria = string.Concat(Enumerable.Repeat(open, depth)) + "SEEN" + string.Concat(Enumerable.Repeat(close, depth));
        Assert.NotNull(SearchRequest.Parse(ProtocolTestInput.Reader(criteria)).Key);
    }

    [Theory]
    [InlineData("(", ")")]
    [InlineData("NOT ", "")]
    [InlineData("OR ALL ", "")]
    public void Nesting_past_the_limit_is_a_syntax_error_not_a_stack_overflow(string open, string close)
    {
        // 30,000 levels would overflow the stack of a recursive parser; one past the limit must fail the same way.
        foreach (var depth in new[] { SearchRequest.MaxNestingDepth + 1, 30_000 })
        {
            var criteria = string.Concat(Enumerable.Repeat(open, depth)) + "SEEN" + string.Concat(Enumerable.Repeat(close, depth));
            var error = Assert.Throws<ImapSyntaxException>(() => SearchRequest.Parse(ProtocolTestInput.Reader(criteria)));
            Assert.Contains("nested deeper", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Refuses_unknown_charsets_with_badcharset()
    {
        var error = Assert.Throws<ImapNoException>(() => SearchRequest.Parse(ProtocolTestInput.Reader("CHARSET KOI8-R ALL")));
        Assert.StartsWith("BADCHARSET", error.ResponseCode);
    }
}
