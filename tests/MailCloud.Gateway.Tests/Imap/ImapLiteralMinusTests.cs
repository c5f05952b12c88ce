using MailCloud.Testing;
using MimeKit;

namespace MailCloud.Gateway.Tests.Imap;

/// <summary>LITERAL- (RFC 7888 §4): non-synchronizing literals up to 4096 octets; larger ones must be synchronizing.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ImapLiteralMinusTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Non_synchronizing_literals_up_to_4096_octets_are_taken_and_larger_ones_refused()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        Assert.Contains(" LITERAL- ", client.Greeting, StringComparison.Ordinal);
        Assert.DoesNotContain("LITERAL+", client.Greeting, StringComparison.Ordinal);
        await client.LoginAsync();

        var fits = TestMessages.OfSize(4096);
        await client.SendAsync($"a1 APPEND INBOX {{4096+}}\r\n{fits}\r\n");
        Assert.StartsWith("a1 OK [APPENDUID ", Assert.Single(await client.ReadUntilTaggedAsync("a1")), StringComparison.Ordinal);

        // A larger one is sent synchronizing, after "+".
        var large = TestMessages.OfSize(4097);
        await client.SendAsync("a2 APPEND INBOX {4097}\r\n");
        Assert.Equal("+ Ready for literal data", await client.ReadLineAsync());
        await client.SendAsync(large + "\r\n");
        Assert.StartsWith("a2 OK [APPENDUID ", Assert.Single(await client.ReadUntilTaggedAsync("a2")), StringComparison.Ordinal);

        // RFC 7888 §4: one octet more without "+" is refused; its octets are already on the way, so the connection ends.
        await client.SendAsync($"a3 APPEND INBOX {{4097+}}\r\n{large}\r\n");
        Assert.Equal("a3 BAD [TOOBIG] Non-synchronizing literals are limited to 4096 octets", await client.ReadLineAsync());
        Assert.Equal("* BYE Literal refused", await client.ReadLineAsync());
        Assert.Null(await client.ReadLineAsync());
        Assert.Equal(2, (await server.Store.GetSnapshotAsync(server.AccountId, "INBOX", CancellationToken.None)).Messages.Count);
    }

    [Fact]
    public async Task MailKit_appends_a_large_message_under_literal_minus()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        using var client = await server.ConnectAsync();
        Assert.True(client.Capabilities.HasFlag(MailKit.Net.Imap.ImapCapabilities.LiteralMinus));
        Assert.False(client.Capabilities.HasFlag(MailKit.Net.Imap.ImapCapabilities.LiteralPlus));

        var message = MimeMessage.Load(TestMessages.Stream(TestMessages.OfSize(20_000)));
        Assert.NotNull(await client.Inbox.AppendAsync(new MailKit.AppendRequest(message)));
        await client.Inbox.OpenAsync(MailKit.FolderAccess.ReadOnly);
        Assert.Equal(1, client.Inbox.Count);
        await client.DisconnectAsync(true);
    }
}
