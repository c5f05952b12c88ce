using MailCloud.Core.Mailboxes.Naming;

namespace MailCloud.Core.Tests.Mailboxes;

public class ModifiedUtf7Tests
{
    [Theory]
    // RFC 3501 §5.1.3 example, and the "&" escape.
    [InlineData("~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-")]
    [InlineData("Tom & Jerry", "Tom &- Jerry")]
    [InlineData("Entwürfe", "Entw&APw-rfe")]
    [InlineData("INBOX", "INBOX")]
    public void Encodes_and_decodes_the_rfc_examples(string name, string wire)
    {
        Assert.Equal(wire, ModifiedUtf7.Encode(name));
        Assert.Equal(name, ModifiedUtf7.Decode(wire));
    }

    [Theory]
    [InlineData("&U,BTFw")]
    [InlineData("&U!BTFw-")]
    [InlineData("&AGE")]
    [InlineData("caf\u00e9")]
    public void Rejects_malformed_names(string wire) =>
        Assert.Throws<FormatException>(() => ModifiedUtf7.Decode(wire));
}
