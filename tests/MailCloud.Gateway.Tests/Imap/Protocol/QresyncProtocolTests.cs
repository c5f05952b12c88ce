using MailCloud.Gateway.Imap.Protocol;

namespace MailCloud.Gateway.Tests.Imap.Protocol;

/// <summary>The QRESYNC select-param (RFC 7162 §7) and the VANISHED sets built from tombstones or by comparing UIDs.</summary>
public class QresyncProtocolTests
{
    [Fact]
    public void Select_parameters_take_qresync_and_condstore_in_any_order()
    {
        var both = SelectParameters.Parse(ProtocolTestInput.Reader(" (CONDSTORE QRESYNC (67890007 20050715194045000 41,43:211 (1:5 41,43:46)))"));
        Assert.True(both.CondStore);
        Assert.Equal(67890007u, both.Qresync!.UidValidity);
        Assert.Equal(20050715194045000ul, both.Qresync.ModSeq);
        Assert.Equal("41,43:211", both.Qresync.KnownUids!.ToString());

        var bare = SelectParameters.Parse(ProtocolTestInput.Reader(" (QRESYNC (1 0 (1 2)))"));
        Assert.False(bare.CondStore);
        Assert.Null(bare.Qresync!.KnownUids);
        Assert.Same(SelectParameters.None, SelectParameters.Parse(ProtocolTestInput.Reader("")));
    }

    [Theory]
    [InlineData(" (QRESYNC (1 1 1:*))", "Invalid QRESYNC known-uids")]
    [InlineData(" (QRESYNC (1 1 1:2 (1:2 *)))", "Invalid QRESYNC known-uid-set")]
    [InlineData(" (QRESYNC (1 1 1:2 (1:2)))", "Expected ' '")]
    [InlineData(" (QRESYNC (1))", "Expected ' '")]
    [InlineData(" (CONDSTORE CONDSTORE)", "Unknown SELECT parameter")]
    [InlineData(" (QRESYNC (4294967296 1))", "Number too large")]
    public void Bad_select_parameters_are_syntax_errors(string text, string message) =>
        Assert.Equal(message, Assert.Throws<ImapSyntaxException>(() => SelectParameters.Parse(ProtocolTestInput.Reader(text))).Message);

    [Fact]
    public void Fetch_vanished_needs_changedsince()
    {
        Assert.True(FetchRequest.Parse(ProtocolTestInput.Reader("(FLAGS) (VANISHED CHANGEDSINCE 5)")).Vanished);
        Assert.Equal("VANISHED used without CHANGEDSINCE", Assert.Throws<ImapSyntaxException>(() => FetchRequest.Parse(ProtocolTestInput.Reader("(FLAGS) (VANISHED)"))).Message);
    }

    [Fact]
    public void Comparison_names_every_uid_below_uidnext_in_the_limit_that_does_not_exist()
    {
        Assert.Equal("2:3,6:9", VanishedSet.FromComparison(null, 10, [1, 4, 5]));
        Assert.Equal("", VanishedSet.FromComparison(null, 1, []));
        Assert.Equal("1:3", VanishedSet.FromComparison(null, 4, []));
        Assert.Equal("2:3,7", VanishedSet.FromComparison(SequenceSet.Parse("2:3,5:7,6"), 8, [1, 4, 5, 6]));
        Assert.Equal("2,6:9", VanishedSet.FromComparison(SequenceSet.Parse("9:6,1:2,4294967295"), 10, [1, 4, 5]));
        Assert.Equal("3:9", VanishedSet.FromComparison(SequenceSet.Parse("3:*"), 10, [1, 2]));
    }

    [Fact]
    public void From_tombstones_only_what_the_limit_holds_and_no_longer_exists()
    {
        Assert.Equal("3:4,9", VanishedSet.FromExpunged([3, 4, 6, 9], SequenceSet.Parse("1:5,9"), 9, uid => uid == 6));
        Assert.Equal("3:4,6,9", VanishedSet.FromExpunged([3, 4, 6, 9], SequenceSet.Parse("3:*"), 9, _ => false));
    }
}
