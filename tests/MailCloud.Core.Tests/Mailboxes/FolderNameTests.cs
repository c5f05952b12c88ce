using MailCloud.Core.Mailboxes;
using MailCloud.Core.Mailboxes.Naming;

namespace MailCloud.Core.Tests.Mailboxes;

public class FolderNameTests
{
    [Theory]
    [InlineData("INBOX", "INBOX")]
    [InlineData("inbox", "INBOX")]
    [InlineData("InBox/Receipts", "INBOX/Receipts")]
    [InlineData("Work/Projects/2025", "Work/Projects/2025")]
    [InlineData("Inboxes", "Inboxes")]
    [InlineData("Entwürfe", "Entwürfe")]
    [InlineData("a.b", "a.b")]
    public void Accepts_and_normalizes(string name, string expected)
    {
        Assert.Equal(expected, FolderName.Normalize(name));
    }

    [Theory]
    [InlineData("")]
    [InlineData("/")]
    [InlineData("/Work")]
    [InlineData("Work/")]
    [InlineData("Work//Projects")]
    [InlineData("..")]
    [InlineData("Work/../Other")]
    [InlineData(".")]
    [InlineData("Work*")]
    [InlineData("Wo%rk")]
    [InlineData("Tab\there")]
    [InlineData("New\r\nLine")]
    [InlineData("Nul\0")]
    [InlineData("Del\u007f")]
    public void Refuses_dangerous_names(string name)
    {
        Assert.Throws<InvalidFolderNameException>(() => FolderName.Normalize(name));
    }

    [Fact]
    public void Refuses_names_that_are_not_valid_unicode()
    {
        var loneSurrogate = "Broken" + (char)0xD800 + "name";

        Assert.Throws<InvalidFolderNameException>(() => FolderName.Normalize(loneSurrogate));
    }

    [Fact]
    public void Refuses_over_long_names()
    {
        Assert.Equal(FolderName.MaxLength, FolderName.Normalize(new string('a', FolderName.MaxLength)).Length);
        Assert.Throws<InvalidFolderNameException>(() => FolderName.Normalize(new string('a', FolderName.MaxLength + 1)));
    }

    [Theory]
    [InlineData("0123456789abcdef0123456789abcdef")]
    [InlineData("acct-1")]
    public void Accepts_plain_account_ids(string accountId)
    {
        AccountIds.Validate(accountId);
    }

    [Theory]
    [InlineData("")]
    [InlineData("../other")]
    [InlineData("a/b")]
    [InlineData("UPPER")]
    [InlineData("user@example.test")]
    public void Refuses_account_ids_that_are_not_plain(string accountId)
    {
        Assert.Throws<ArgumentException>(() => AccountIds.Validate(accountId));
    }
}
