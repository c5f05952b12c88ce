using System.Net.Sockets;
using System.Text;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Imap;
using MailCloud.Gateway.Pop3;
using MailCloud.Gateway.Tests.Imap;
using MailCloud.Gateway.Tests.Support;
using MailCloud.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MailCloud.Gateway.Tests.Hosting;

/// <summary>Client-supplied text with CR, LF or other control characters cannot forge log lines (issue 14, defect 9).</summary>
[Collection(AzuriteCollection.Name)]
public sealed class LogEscapingTests(AzuriteFixture azurite)
{
    [Theory]
    [InlineData("plain user@example.test", "plain user@example.test")]
    [InlineData("a\r\nINFO forged", "a\\r\\nINFO forged")]
    [InlineData("tab\there\0nul", "tab\\there\\u0000nul")]
    [InlineData("\u001b[31mred\u007f\u0085", "\\u001b[31mred\\u007f\\u0085")]
    [InlineData("line\u2028sep", "line\\u2028sep")]
    [InlineData("jürgen@bücher.example 日本", "jürgen@bücher.example 日本")]
    public void Escape_rewrites_control_characters_only(string text, string expected) =>
        Assert.Equal(expected, LogEscaping.Escape(text));

    [Fact]
    public async Task User_names_with_control_characters_reach_the_log_escaped()
    {
        var capture = new CapturingLoggerProvider();
        await using var host = await GatewayTestHost.StartAsync(
            azurite,
            configureServices: s => s.AddImap().AddPop3().AddSingleton<ILoggerProvider>(capture),
            settings: new Dictionary<string, string?> { ["Logging:LogLevel:MailCloud"] = "Information" });
        await host.SeedDirectoryAsync(("bob@example.test", "bob-secret"));

        // SMTP AUTH PLAIN: the user name is base64, so it may hold any byte.
        await using (var smtp = await SmtpTestClient.ConnectAndGreetAsync(host.Port(ListenerNames.Submission)))
        {
            var plain = Convert.ToBase64String(Encoding.UTF8.GetBytes("\0smtp-mallory\r\nFORGED smtp\0wrong"));
            Assert.Equal(535, (await smtp.CommandAsync($"AUTH PLAIN {plain}")).Code);
        }

        // IMAP LOGIN: a literal may hold CR LF.
        await using (var imap = await ImapRawClient.ConnectAsync(host.Port(ListenerNames.Imap)))
        {
            var user = "imap-mallory\r\nFORGED imap";
            await imap.SendAsync($"L LOGIN {{{Encoding.UTF8.GetByteCount(user)}}}\r\n");
            Assert.StartsWith("+", await imap.ReadLineAsync(), StringComparison.Ordinal);
            await imap.SendAsync($"{user} wrong\r\n");
            Assert.StartsWith("L NO", (await imap.ReadUntilTaggedAsync("L"))[^1], StringComparison.Ordinal);
        }

        // POP3 USER: a line ends at LF, and the codec refuses control characters in arguments outright.
        using (var pop3 = new TcpClient())
        {
            await pop3.ConnectAsync("127.0.0.1", host.Port(ListenerNames.Pop3));
            using var reader = new StreamReader(pop3.GetStream());
            Assert.StartsWith("+OK", await reader.ReadLineAsync(), StringComparison.Ordinal);
            await pop3.GetStream().WriteAsync(Encoding.UTF8.GetBytes("USER pop3-mallory\u001b[2KFORGED pop3\r\n"));
            Assert.StartsWith("-ERR", await reader.ReadLineAsync(), StringComparison.Ordinal);
        }

        var messages = capture.Messages.ToList();
        Assert.Contains(messages, m => m.Contains("smtp-mallory\\r\\nFORGED smtp", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("imap-mallory\\r\\nFORGED imap", StringComparison.Ordinal));
        Assert.All(messages, m => Assert.DoesNotContain(m, c => char.IsControl(c)));
    }
}
