using MailCloud.Core.Directory;
using MailCloud.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MailCloud.Gateway.Tests.Imap;

/// <summary>
/// QUOTA=RES-MESSAGE (RFC 9208 §5.2) over a socket: GETQUOTA and GETQUOTAROOT list MESSAGE beside STORAGE
/// when the account has a message limit, and APPEND, MULTIAPPEND and COPY past it answer NO [OVERQUOTA]
/// with nothing stored (§4.3), while MOVE, which changes no usage, goes through.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ImapQuotaMessageTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Getquota_and_getquotaroot_list_message_usage_and_limit_only_while_there_is_a_limit()
    {
        await using var server = await ImapTestServer.StartAsync(azurite, quotaBytes: 10 * 1024, quotaMessages: 5);
        await server.AppendAsync(TestMessages.OfSize(2048));
        await server.AppendAsync(TestMessages.OfSize(2048), folder: "Archive");
        await using (var client = await ImapRawClient.ConnectAsync(server.Port))
        {
            await client.LoginAsync();

            Assert.Contains(" QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE ", (await client.CommandAsync("c", "CAPABILITY"))[0], StringComparison.Ordinal);
            Assert.Equal(
                ["* QUOTAROOT \"INBOX\" \"\"", "* QUOTA \"\" (STORAGE 4 10 MESSAGE 2 5)", "r OK GETQUOTAROOT completed"],
                await client.CommandAsync("r", "GETQUOTAROOT INBOX"));
            Assert.Equal(["* QUOTA \"\" (STORAGE 4 10 MESSAGE 2 5)", "q OK GETQUOTA completed"], await client.CommandAsync("q", "GETQUOTA \"\""));

            // STATUS still counts one folder.
            Assert.Equal(["* STATUS \"Archive\" (MESSAGES 1)", "s OK STATUS completed"], await client.CommandAsync("s", "STATUS Archive (MESSAGES)"));
        }

        // No limit, no MESSAGE: a QUOTA response cannot say "unlimited" (RFC 9208 §5). Seen from the next login on.
        await server.Host.Services.GetRequiredService<IMailDirectory>().SetLimitsAsync(ImapTestServer.User, l => l with { QuotaMessages = null }, CancellationToken.None);
        await using var later = await ImapRawClient.ConnectAsync(server.Port);
        await later.LoginAsync();
        Assert.Equal(["* QUOTA \"\" (STORAGE 4 10)", "q OK GETQUOTA completed"], await later.CommandAsync("q", "GETQUOTA \"\""));
    }

    [Fact]
    public async Task Append_and_multiappend_over_the_message_limit_answer_overquota_and_store_nothing()
    {
        await using var server = await ImapTestServer.StartAsync(azurite, quotaBytes: 1024 * 1024, quotaMessages: 3);
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        var message = TestMessages.OfSize(1024);
        for (var i = 0; i < 2; i++)
        {
            Assert.StartsWith($"a{i} OK [APPENDUID ", (await client.CommandAsync($"a{i}", $"APPEND INBOX {{{message.Length}+}}\r\n{message}"))[^1], StringComparison.Ordinal);
        }

        var usage = await server.Store.GetQuotaUsageAsync(server.AccountId, CancellationToken.None);
        var blobs = await server.MessageBlobNamesAsync();

        // One place left, two messages: MULTIAPPEND stores none (RFC 3502 §6).
        Assert.Equal(
            ["* QUOTA \"\" (STORAGE 2 1024 MESSAGE 2 3)", "m NO [OVERQUOTA] Quota exceeded"],
            await client.CommandAsync("m", $"APPEND Archive {{{message.Length}+}}\r\n{message} {{{message.Length}+}}\r\n{message}"));
        Assert.Equal(usage, await server.Store.GetQuotaUsageAsync(server.AccountId, CancellationToken.None));

        Assert.StartsWith("a2 OK [APPENDUID ", (await client.CommandAsync("a2", $"APPEND Archive {{{message.Length}+}}\r\n{message}"))[^1], StringComparison.Ordinal);
        Assert.Equal(
            ["* QUOTA \"\" (STORAGE 3 1024 MESSAGE 3 3)", "a3 NO [OVERQUOTA] Quota exceeded"],
            await client.CommandAsync("a3", $"APPEND INBOX {{{message.Length}+}}\r\n{message}"));

        Assert.Equal(["* STATUS \"INBOX\" (MESSAGES 2 UIDNEXT 3)", "s OK STATUS completed"], await client.CommandAsync("s", "STATUS INBOX (MESSAGES UIDNEXT)"));
        Assert.Equal(["* STATUS \"Archive\" (MESSAGES 1 UIDNEXT 2)", "s2 OK STATUS completed"], await client.CommandAsync("s2", "STATUS Archive (MESSAGES UIDNEXT)"));
        Assert.Equal(3, (await server.Store.GetQuotaUsageAsync(server.AccountId, CancellationToken.None)).MessageCount);
        Assert.Equal(blobs.Count + 1, (await server.MessageBlobNamesAsync()).Count);
    }

    [Fact]
    public async Task Copy_over_the_message_limit_answers_overquota_and_move_goes_through()
    {
        await using var server = await ImapTestServer.StartAsync(azurite, quotaBytes: 1024 * 1024, quotaMessages: 3);
        await server.AppendAsync(TestMessages.Simple("one"));
        await server.AppendAsync(TestMessages.Simple("two"));
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        await client.CommandAsync("x", "SELECT INBOX");

        Assert.Equal(["* QUOTA \"\" (STORAGE 0 1024 MESSAGE 2 3)", "c1 NO [OVERQUOTA] Quota exceeded"], await client.CommandAsync("c1", "COPY 1:2 Archive"));
        Assert.Empty((await server.Store.GetSnapshotAsync(server.AccountId, "Archive", CancellationToken.None)).Messages);
        Assert.Equal(2, (await server.MessageBlobNamesAsync()).Count);

        Assert.StartsWith("c2 OK [COPYUID ", (await client.CommandAsync("c2", "UID COPY 2 Archive"))[^1], StringComparison.Ordinal);
        Assert.Equal("c3 NO [OVERQUOTA] Quota exceeded", (await client.CommandAsync("c3", "COPY 1 Trash"))[^1]);

        // RFC 9208 §5.2: MOVE within the quota root changes no usage, so a full account still moves.
        Assert.StartsWith("m OK", (await client.CommandAsync("m", "MOVE 1 Trash"))[^1], StringComparison.Ordinal);
        Assert.Equal(["* QUOTA \"\" (STORAGE 0 1024 MESSAGE 3 3)", "q OK GETQUOTA completed"], await client.CommandAsync("q", "GETQUOTA \"\""));
        Assert.Single((await server.Store.GetSnapshotAsync(server.AccountId, "Trash", CancellationToken.None)).Messages);
        Assert.Equal(3, (await server.MessageBlobNamesAsync()).Count);

        // UID EXPUNGE and CLOSE give the places back.
        await client.CommandAsync("d1", "STORE 1 +FLAGS.SILENT (\\Deleted)");
        Assert.Equal(["* 1 EXPUNGE", "e OK UID EXPUNGE completed"], await client.CommandAsync("e", "UID EXPUNGE 2"));
        Assert.Equal(["* QUOTA \"\" (STORAGE 0 1024 MESSAGE 2 3)", "q2 OK GETQUOTA completed"], await client.CommandAsync("q2", "GETQUOTA \"\""));
        await client.CommandAsync("t", "SELECT Trash");
        await client.CommandAsync("d2", "STORE 1 +FLAGS.SILENT (\\Deleted)");
        Assert.Equal(["cl OK CLOSE completed"], await client.CommandAsync("cl", "CLOSE"));
        Assert.Equal(["* QUOTA \"\" (STORAGE 0 1024 MESSAGE 1 3)", "q3 OK GETQUOTA completed"], await client.CommandAsync("q3", "GETQUOTA \"\""));
    }

    [Fact]
    public async Task MailKit_reads_the_message_quota()
    {
        await using var server = await ImapTestServer.StartAsync(azurite, quotaBytes: 10 * 1024, quotaMessages: 50);
        await server.AppendAsync(TestMessages.OfSize(5 * 1024));
        await server.AppendAsync(TestMessages.Simple("small"), folder: "Sent");
        using var client = await server.ConnectAsync();

        var quota = await client.Inbox.GetQuotaAsync();
        Assert.Equal(2u, quota.CurrentMessageCount);
        Assert.Equal(50u, quota.MessageLimit);
        Assert.Equal(5u, quota.CurrentStorageSize);
        Assert.Equal(10u, quota.StorageLimit);
        await client.DisconnectAsync(true);
    }
}
