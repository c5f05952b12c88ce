using MailCloud.Core.Addresses;
using MailCloud.Core.Directory;
using MailCloud.Core.Lists;
using MailCloud.Core.Pipeline;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Tests.Lists;

public class ListTokensTests
{
    private static readonly DistributionList Team = new("team@example.test", ["alice@example.test", "carol@remote.test"], PostingPolicy.Anyone, []);

    private static ListTokens Tokens(string secret = "unit-test-secret-0123456789") => new(Options.Create(new PipelineOptions { SrsSecret = secret }));

    [Fact]
    public void A_member_token_finds_its_member_whatever_the_case()
    {
        var tokens = Tokens();
        var token = tokens.ForMember(ListTokenPurpose.Unsubscribe, Team.Address, "Carol@remote.test");

        Assert.True(ListTokens.IsWellFormed(token));
        Assert.Equal("carol@remote.test", tokens.FindMember(ListTokenPurpose.Unsubscribe, Team, token.ToUpperInvariant()));
    }

    [Fact]
    public void A_token_is_worthless_for_another_purpose_list_or_secret()
    {
        var token = Tokens().ForMember(ListTokenPurpose.Bounce, Team.Address, "carol@remote.test");

        Assert.Null(Tokens().FindMember(ListTokenPurpose.Unsubscribe, Team, token));
        Assert.Null(Tokens().FindMember(ListTokenPurpose.Bounce, Team with { Address = "other@example.test" }, token));
        Assert.Null(Tokens("another-secret-0123456789").FindMember(ListTokenPurpose.Bounce, Team, token));
        Assert.Null(Tokens().FindMember(ListTokenPurpose.Bounce, Team with { Members = ["alice@example.test"] }, token));
    }

    [Fact]
    public void The_verp_address_of_a_long_list_name_still_fits_a_local_part()
    {
        var links = new ListLinks(Tokens(), Options.Create(new ListOptions()), Options.Create(new PipelineOptions { HostName = "mail.example.test" }));
        var list = Team with { Address = new string('l', 35) + "@example.test" };

        var bounce = EmailAddress.Parse(links.BounceAddress(list, "carol@remote.test"));

        Assert.True(bounce.LocalPart.Length <= EmailAddress.MaxLocalPartLength);
        Assert.StartsWith("https://autoconfig.example.test/lists/unsubscribe/", links.UnsubscribeUrl(Team, "carol@remote.test"), StringComparison.Ordinal);
        Assert.Equal("imap://mail.example.test/%23lists/team%40example.test", links.ArchiveUrl(Team));
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("abcdefghijklmno", false)]
    [InlineData("abcdefghijklmnop", true)]
    [InlineData("ABCDEFGHIJKLMN23", true)]
    [InlineData("abcdefghijklmno1", false)]
    public void Well_formed_tokens_are_sixteen_base32_letters(string? token, bool wellFormed) =>
        Assert.Equal(wellFormed, ListTokens.IsWellFormed(token));

    [Fact]
    public void One_time_tokens_are_well_formed_and_fresh() =>
        Assert.NotEqual(ListTokens.NewOneTimeToken(), ListTokens.NewOneTimeToken());
}
