using MailCloud.Core.Addresses;

namespace MailCloud.Core.Tests.Addresses;

public class EmailAddressTests
{
    [Theory]
    [InlineData("Alice@Example.Test", "alice@example.test")]
    [InlineData("bob+tag@EXAMPLE.test", "bob+tag@example.test")]
    [InlineData("user@bücher.example", "user@xn--bcher-kva.example")]
    [InlineData("\"odd local\"@example.test", "\"odd local\"@example.test")]
    public void Parses_and_normalizes(string text, string key)
    {
        Assert.True(EmailAddress.TryParse(text, out var address));
        Assert.Equal(key, address.Key);
    }

    [Theory]
    [InlineData("")]
    [InlineData("no-at-sign")]
    [InlineData("@example.test")]
    [InlineData("alice@")]
    [InlineData("a..b@example.test")]
    [InlineData(".a@example.test")]
    [InlineData("alice@-bad.example")]
    [InlineData("alice@exa mple.test")]
    [InlineData("al ice@example.test")]
    [InlineData("alice@nodot")]
    public void Refuses_malformed(string text)
    {
        Assert.False(EmailAddress.TryParse(text, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void Refuses_overlong_local_part()
    {
        Assert.False(EmailAddress.TryParse(new string('a', 65) + "@example.test", out _));
    }
}
