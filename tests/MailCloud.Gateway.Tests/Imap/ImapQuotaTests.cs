using MailCloud.Testing;

namespace MailCloud.Gateway.Tests.Imap;

/// <summary>QUOTA (RFC 9208): GETQUOTA, GETQUOTAROOT and SETQUOTA over a socket, usage from the account row.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ImapQuotaTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Getquotaroot_and_getquota_report_storage_from_the_account_row()
    {
        await using var server = await ImapTestServer.StartAsync(azurite, quotaBytes: 10 * 1024);
        await server.AppendAsync(TestMessages.OfSize(2048));
        await server.AppendAsync(TestMessages.OfSize(2048), folder: "Archive");
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();

        Assert.Contains(" QUOTA QUOTA=RES-STORAGE", (await client.CommandAsync("c", "CAPABILITY"))[0], StringComparison.Ordinal);
        Assert.Equal(
            ["* QUOTAROOT \"INBOX\" \"\"", "* QUOTA \"\" (STORAGE 4 10)", "r OK GETQUOTAROOT completed"],
            await client.CommandAsync("r", "GETQUOTAROOT inbox"));
        Assert.Equal(["* QUOTA \"\" (STORAGE 4 10)", "q OK GETQUOTA completed"], await client.CommandAsync("q", "GETQUOTA \"\""));

        // RFC 9208 §4.3: usage moves with every change, here an APPEND and a refused one.
        var message = TestMessages.OfSize(3 * 1024);
        await client.SendAsync($"a APPEND Trash {{{message.Length}+}}\r\n{message}\r\n");
        Assert.StartsWith("a OK [APPENDUID ", (await client.ReadUntilTaggedAsync("a"))[^1], StringComparison.Ordinal);
        var tooLarge = TestMessages.OfSize(4 * 1024);
        await client.SendAsync($"b APPEND Trash {{{tooLarge.Length}+}}\r\n{tooLarge}\r\n");
        Assert.Equal(["* QUOTA \"\" (STORAGE 7 10)", "b NO [OVERQUOTA] Quota exceeded"], await client.ReadUntilTaggedAsync("b"));
        Assert.Equal(
            ["* QUOTAROOT \"Trash\" \"\"", "* QUOTA \"\" (STORAGE 7 10)", "r2 OK GETQUOTAROOT completed"],
            await client.CommandAsync("r2", "GETQUOTAROOT Trash"));
    }

    [Fact]
    public async Task Unknown_roots_and_mailboxes_and_setquota_are_refused()
    {
        await using var server = await ImapTestServer.StartAsync(azurite, quotaBytes: 10 * 1024);
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();

        Assert.Equal(["q NO [NONEXISTENT] No such quota root"], await client.CommandAsync("q", "GETQUOTA \"User quota\""));
        Assert.Equal(["r NO [NONEXISTENT] No such mailbox: Nope"], await client.CommandAsync("r", "GETQUOTAROOT Nope"));
        Assert.Equal(["s NO [NOPERM] Quotas are set by the administrator"], await client.CommandAsync("s", "SETQUOTA \"\" (STORAGE 512)"));
        Assert.Equal(["s2 BAD Expected '('"], await client.CommandAsync("s2", "SETQUOTA \"\" STORAGE"));
        Assert.Equal(["q2 BAD Unexpected characters at end of command"], await client.CommandAsync("q2", "GETQUOTA \"\" extra"));
    }

    [Fact]
    public async Task MailKit_reads_the_quota()
    {
        await using var server = await ImapTestServer.StartAsync(azurite, quotaBytes: 10 * 1024);
        await server.AppendAsync(TestMessages.OfSize(5 * 1024));
        using var client = await server.ConnectAsync();
        Assert.True(client.Capabilities.HasFlag(MailKit.Net.Imap.ImapCapabilities.Quota));

        var quota = await client.Inbox.GetQuotaAsync();
        Assert.Equal(5u, quota.CurrentStorageSize);
        Assert.Equal(10u, quota.StorageLimit);
        Assert.Null(quota.MessageLimit);
        Assert.Equal("", quota.QuotaRoot?.FullName);
        await client.DisconnectAsync(true);
    }
}
