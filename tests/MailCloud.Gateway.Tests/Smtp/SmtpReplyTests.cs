using System.Buffers;
using System.Text;
using MailCloud.Gateway.Smtp.Protocol;

namespace MailCloud.Gateway.Tests.Smtp;

public sealed class SmtpReplyTests
{
    private static string Render(SmtpReply reply, bool enhanced = true)
    {
        var buffer = new ArrayBufferWriter<byte>();
        reply.WriteTo(buffer, enhanced);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Fact]
    public void Writes_a_single_line_with_its_enhanced_code()
    {
        Assert.Equal("550 5.1.1 No such user\r\n", Render(new SmtpReply(550, "5.1.1", "No such user")));
    }

    [Fact]
    public void Writes_multi_line_replies_with_hyphens_until_the_last_line()
    {
        var reply = new SmtpReply(250, null, ["mx.test greets you", "PIPELINING", "HELP"]);
        Assert.Equal("250-mx.test greets you\r\n250-PIPELINING\r\n250 HELP\r\n", Render(reply));
    }

    [Fact]
    public void Puts_the_enhanced_code_on_every_line_and_omits_it_when_off()
    {
        var reply = new SmtpReply(214, "2.0.0", ["one", "two"]);
        Assert.Equal("214-2.0.0 one\r\n214 2.0.0 two\r\n", Render(reply));
        Assert.Equal("214-one\r\n214 two\r\n", Render(reply, enhanced: false));
    }
}
