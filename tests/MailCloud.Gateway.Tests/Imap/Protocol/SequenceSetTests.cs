using MailCloud.Gateway.Imap.Protocol;

namespace MailCloud.Gateway.Tests.Imap.Protocol;

public class SequenceSetTests
{
    [Fact]
    public void Star_is_the_largest_number_and_ranges_may_be_reversed()
    {
        var set = SequenceSet.Parse("2,4:3,7:*");
        uint[] expected = [2, 3, 4, 7, 8, 9];
        Assert.Equal(expected, Enumerable.Range(1, 9).Select(i => (uint)i).Where(i => set.Contains(i, 9)));
    }

    [Fact]
    public void A_range_beyond_the_largest_still_contains_the_largest() =>
        Assert.True(SequenceSet.Parse("20:*").Contains(9, 9));

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("1,,2")]
    [InlineData("01")]
    [InlineData("1:a")]
    [InlineData("$")]
    public void Rejects_invalid_sets(string text) =>
        Assert.Throws<ImapSyntaxException>(() => SequenceSet.Parse(text));

    [Fact]
    public void Formats_ascending_numbers_compactly() =>
        Assert.Equal("1:3,5,7:8", SequenceSet.Format([1, 2, 3, 5, 7, 8]));
}
