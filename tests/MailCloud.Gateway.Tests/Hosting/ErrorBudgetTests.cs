using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Imap;
using MailCloud.Gateway.Pop3;
using MailCloud.Gateway.Tests.Support;
using MailCloud.Testing;

namespace MailCloud.Gateway.Tests.Hosting;

/// <summary>
/// The one error rule (<see cref="ErrorBudget"/>): syntax and sequence errors count, a success starts
/// the count again, refusals of well-formed commands neither count nor reset; IMAP and POP3 over a
/// socket (SMTP: <c>SmtpErrorBudgetTests</c>).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ErrorBudgetTests(AzuriteFixture azurite)
{
    [Fact]
    public void Counts_protocol_errors_until_a_success()
    {
        var budget = new ErrorBudget(3);
        Assert.False(budget.Record(CommandOutcome.ProtocolError));
        Assert.False(budget.Record(CommandOutcome.Refusal));
        Assert.False(budget.Record(CommandOutcome.ProtocolError));
        Assert.Equal(2, budget.Errors);
        Assert.False(budget.Record(CommandOutcome.Success));
        Assert.Equal(0, budget.Errors);
        Assert.False(budget.Record(CommandOutcome.ProtocolError));
        Assert.False(budget.Record(CommandOutcome.ProtocolError));
        Assert.True(budget.Record(CommandOutcome.ProtocolError));
    }

    [Fact]
    public async Task Imap_and_pop3_count_only_bad_commands()
    {
        await using var host = await GatewayTestHost.StartAsync(
            azurite,
            configureServices: s =>
            {
                s.AddImap();
                s.AddPop3();
            },
            settings: new Dictionary<string, string?> { ["Imap:MaxBadCommands"] = "3", ["Pop3:MaxBadCommands"] = "3" });
        await host.SeedDirectoryAsync(("alice@example.test", "alice-secret"));

        await using var imap = await LineClient.ConnectAsync(host.Port(ListenerNames.Imap));
        await imap.ReadLineAsync();
        Assert.Equal("a1 BAD Unknown command FROB", await imap.CommandAsync("a1 FROB"));
        Assert.Equal("a2 NO [AUTHENTICATIONFAILED] Invalid credentials", await imap.CommandAsync("a2 LOGIN alice@example.test wrong"));
        Assert.Equal("a3 BAD SELECT is not valid in this state", await imap.CommandAsync("a3 SELECT INBOX"));
        Assert.Equal("a4 OK NOOP completed", await imap.CommandAsync("a4 NOOP"));
        Assert.Equal("a5 BAD Unknown command FROB", await imap.CommandAsync("a5 FROB"));
        Assert.Equal("a6 BAD Unknown command FROB", await imap.CommandAsync("a6 FROB"));
        Assert.Equal("a7 BAD Unknown command FROB", await imap.CommandAsync("a7 FROB"));
        Assert.Equal("* BYE Too many invalid commands", await imap.ReadLineAsync());
        Assert.Null(await imap.ReadLineAsync());

        await using var pop3 = await LineClient.ConnectAsync(host.Port(ListenerNames.Pop3));
        await pop3.ReadLineAsync();
        Assert.Equal("-ERR Unknown command, or not allowed before login", await pop3.CommandAsync("FROB"));
        Assert.Equal("-ERR USER first", await pop3.CommandAsync("PASS x"));
        Assert.Equal("+OK Send your password", await pop3.CommandAsync("USER alice@example.test"));
        Assert.Equal("-ERR [AUTH] Authentication failed", await pop3.CommandAsync("PASS wrong"));
        Assert.Equal("-ERR Unknown command, or not allowed before login", await pop3.CommandAsync("STAT"));
        Assert.Equal("-ERR Unknown command, or not allowed before login", await pop3.CommandAsync("FROB"));
        Assert.Equal("-ERR Unknown command, or not allowed before login", await pop3.CommandAsync("FROB"));
        Assert.Equal("-ERR Too many bad commands; closing", await pop3.ReadLineAsync());
        Assert.Null(await pop3.ReadLineAsync());
    }
}
