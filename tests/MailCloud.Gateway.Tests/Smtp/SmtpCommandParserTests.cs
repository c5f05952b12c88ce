using System.Text;
using MailCloud.Core.Queueing;
using MailCloud.Gateway.Smtp.Protocol;

namespace MailCloud.Gateway.Tests.Smtp;

public sealed class SmtpCommandParserTests
{
    private static SmtpCommand Parse(string line) => SmtpCommandParser.Parse(Encoding.UTF8.GetBytes(line));

    private static SmtpReply Refusal(string line) => Assert.Throws<SmtpSyntaxException>(() => Parse(line)).Reply;

    [Theory]
    [InlineData("EHLO client.example", true, "client.example")]
    [InlineData("ehlo [127.0.0.1]", true, "[127.0.0.1]")]
    [InlineData("HELO localhost", false, "localhost")]
    [InlineData("EHLO [IPv6:::1]", true, "[IPv6:::1]")]
    public void Parses_helo_and_ehlo(string line, bool extended, string identity)
    {
        Assert.Equal(new HeloCommand(extended, identity), Parse(line));
    }

    [Theory]
    [InlineData("EHLO")]
    [InlineData("EHLO bad name")]
    [InlineData("EHLO <x>")]
    public void Refuses_helo_without_a_domain(string line)
    {
        Assert.Equal(501, Refusal(line).Code);
    }

    [Fact]
    public void Parses_mail_with_every_parameter()
    {
        var mail = Assert.IsType<MailCommand>(Parse("MAIL FROM:<alice@example.test> SIZE=1000 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=QQ+2B1 AUTH=<>"));
        Assert.Equal("alice@example.test", mail.ReversePath);
        Assert.Equal(1000, mail.Parameters.Size);
        Assert.Equal(MessageBodyType.EightBitMime, mail.Parameters.Body);
        Assert.True(mail.Parameters.SmtpUtf8);
        Assert.Equal(DsnReturn.Headers, mail.Parameters.Return);
        Assert.Equal("QQ+1", mail.Parameters.EnvelopeId);
    }

    [Theory]
    [InlineData("MAIL FROM:<>", "")]
    [InlineData("mail from: <a@b.test>", "a@b.test")]
    [InlineData("MAIL FROM:<@relay.test,@other.test:a@b.test>", "a@b.test")]
    [InlineData("MAIL FROM:<\"odd > name\"@b.test>", "\"odd > name\"@b.test")]
    public void Parses_reverse_paths(string line, string path)
    {
        Assert.Equal(path, Assert.IsType<MailCommand>(Parse(line)).ReversePath);
    }

    [Theory]
    [InlineData("MAIL FROM:a@b.test", 501)]
    [InlineData("MAIL TO:<a@b.test>", 501)]
    [InlineData("MAIL FROM:<a@b.test", 501)]
    [InlineData("MAIL FROM:<a@b.test>SIZE=1", 501)]
    [InlineData("MAIL FROM:<a@b.test> SIZE=big", 501)]
    [InlineData("MAIL FROM:<a@b.test> SIZE=1 SIZE=2", 501)]
    [InlineData("MAIL FROM:<a@b.test> BODY=BINARYMIME", 555)]
    [InlineData("MAIL FROM:<a@b.test> X-UNKNOWN=1", 555)]
    [InlineData("MAIL FROM:<a@b.test> ENVID=a=b", 501)]
    [InlineData("MAIL FROM:<a@b.test> RET=ALL", 501)]
    public void Refuses_bad_mail_commands(string line, int code)
    {
        Assert.Equal(code, Refusal(line).Code);
    }

    [Fact]
    public void Parses_rcpt_with_dsn_parameters()
    {
        var rcpt = Assert.IsType<RcptCommand>(Parse("RCPT TO:<bob@example.test> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;bob+2Bx@example.test"));
        Assert.Equal("bob@example.test", rcpt.ForwardPath);
        Assert.Equal(DsnNotify.Success | DsnNotify.Delay, rcpt.Parameters.Notify);
        Assert.Equal("rfc822;bob+x@example.test", rcpt.Parameters.OriginalRecipient);
        Assert.Equal(DsnNotify.Never, Assert.IsType<RcptCommand>(Parse("RCPT TO:<b@e.test> NOTIFY=NEVER")).Parameters.Notify);
    }

    [Theory]
    [InlineData("RCPT TO:<>")]
    [InlineData("RCPT TO:<b@e.test> NOTIFY=NEVER,SUCCESS")]
    [InlineData("RCPT TO:<b@e.test> ORCPT=nosemicolon")]
    public void Refuses_bad_rcpt_commands(string line)
    {
        Assert.Equal(501, Refusal(line).Code);
    }

    [Fact]
    public void Parses_the_simple_commands()
    {
        Assert.IsType<DataCommand>(Parse("DATA"));
        Assert.IsType<RsetCommand>(Parse("rset"));
        Assert.IsType<NoopCommand>(Parse("NOOP anything"));
        Assert.IsType<QuitCommand>(Parse("QUIT"));
        Assert.IsType<StartTlsCommand>(Parse("STARTTLS"));
        Assert.Equal(new VrfyCommand("bob"), Parse("VRFY bob"));
        Assert.Equal(new HelpCommand(null), Parse("HELP"));
        Assert.Equal(new BdatCommand(1234, true), Parse("BDAT 1234 LAST"));
        Assert.Equal(new BdatCommand(0, false), Parse("BDAT 0"));
        Assert.Equal(new AuthCommand("PLAIN", "AGEAYg=="), Parse("auth plain AGEAYg=="));
    }

    [Theory]
    [InlineData("DATA now", 501)]
    [InlineData("BDAT", 501)]
    [InlineData("BDAT -1", 501)]
    [InlineData("BDAT 10 FIRST", 501)]
    [InlineData("FROB", 500)]
    [InlineData("", 500)]
    [InlineData("EHLO a\u0001b", 500)]
    public void Refuses_unknown_and_malformed_commands(string line, int code)
    {
        Assert.Equal(code, Refusal(line).Code);
    }

    [Fact]
    public void Refuses_invalid_utf8()
    {
        var reply = Assert.Throws<SmtpSyntaxException>(() => SmtpCommandParser.Parse([(byte)'E', (byte)'H', (byte)'L', (byte)'O', (byte)' ', 0xC3, 0x28])).Reply;
        Assert.Equal(500, reply.Code);
        Assert.Equal("5.5.2", reply.EnhancedCode);
    }

    [Fact]
    public void Never_throws_anything_but_a_syntax_error_on_random_input()
    {
        var random = new Random(5321);
        var buffer = new byte[64];
        string[] prefixes = ["MAIL FROM:<", "RCPT TO:<", "EHLO ", "BDAT ", "AUTH ", ""];
        for (var i = 0; i < 20_000; i++)
        {
            random.NextBytes(buffer);
            var prefix = Encoding.ASCII.GetBytes(prefixes[i % prefixes.Length]);
            var line = prefix.Concat(buffer.Take(random.Next(buffer.Length)).Select(b => (byte)(b % 96 + 32))).ToArray();
            try
            {
                SmtpCommandParser.Parse(line);
            }
            catch (SmtpSyntaxException ex)
            {
                Assert.InRange(ex.Reply.Code, 500, 599);
            }
        }
    }
}
