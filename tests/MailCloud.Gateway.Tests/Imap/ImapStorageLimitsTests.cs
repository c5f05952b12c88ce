using System.Text;
using MailCloud.Core.Configuration;
using MailCloud.Core.Mailboxes;
using MailCloud.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MailCloud.Gateway.Tests.Imap;

/// <summary>
/// Quota, the folder cap and storage outages over a real socket: APPEND and COPY past the quota
/// answer NO [OVERQUOTA] and store nothing (RFC 9208 §4.3), CREATE past the cap NO [LIMIT]
/// (RFC 5530), and while storage fails commands answer NO [UNAVAILABLE] and the session goes on.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ImapStorageLimitsTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Append_and_copy_over_quota_answer_overquota_and_store_nothing()
    {
        await using var server = await ImapTestServer.StartAsync(azurite, quotaBytes: 3_000);
        var message = TestMessages.Simple("fits") + new string('x', 1_600) + "\r\n";
        var bytes = Encoding.ASCII.GetByteCount(message);
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.CommandAsync("a1", $"LOGIN {ImapTestServer.User} \"{ImapTestServer.Password}\"");

        Assert.StartsWith("a2 OK [APPENDUID", (await client.CommandAsync("a2", $"APPEND INBOX {{{bytes}+}}\r\n{message}"))[^1], StringComparison.Ordinal);
        var usage = await server.Store.GetQuotaUsageAsync(server.AccountId, CancellationToken.None);
        var refused = await client.CommandAsync("a3", $"APPEND INBOX {{{bytes}+}}\r\n{message}");
        Assert.Equal("a3 NO [OVERQUOTA] Quota exceeded", refused[^1]);

        await client.CommandAsync("a4", "SELECT INBOX");
        Assert.Equal("a5 NO [OVERQUOTA] Quota exceeded", (await client.CommandAsync("a5", "COPY 1:* Archive"))[^1]);
        Assert.Equal("a6 NO [OVERQUOTA] Quota exceeded", (await client.CommandAsync("a6", "UID COPY 1:* INBOX"))[^1]);
        Assert.StartsWith("a7 OK", (await client.CommandAsync("a7", "NOOP"))[^1], StringComparison.Ordinal);

        Assert.Equal(usage, await server.Store.GetQuotaUsageAsync(server.AccountId, CancellationToken.None));
        Assert.Single((await server.Store.GetSnapshotAsync(server.AccountId, "INBOX", CancellationToken.None)).Messages);
        Assert.Empty((await server.Store.GetSnapshotAsync(server.AccountId, "Archive", CancellationToken.None)).Messages);
        Assert.Single(await server.MessageBlobNamesAsync());

        // MOVE does not add usage, so it goes through at the quota's edge.
        Assert.StartsWith("a8 OK", (await client.CommandAsync("a8", "MOVE 1 Archive"))[^1], StringComparison.Ordinal);
        Assert.Equal(usage, await server.Store.GetQuotaUsageAsync(server.AccountId, CancellationToken.None));
    }

    [Fact]
    public async Task Create_past_the_folder_cap_answers_limit()
    {
        await using var server = await ImapTestServer.StartAsync(azurite, new Dictionary<string, string?> { ["Mailboxes:MaxFoldersPerAccount"] = "8" });
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.CommandAsync("a1", $"LOGIN {ImapTestServer.User} \"{ImapTestServer.Password}\"");

        Assert.StartsWith("a2 OK", (await client.CommandAsync("a2", "CREATE Projects"))[^1], StringComparison.Ordinal);
        Assert.StartsWith("a3 NO [LIMIT]", (await client.CommandAsync("a3", "CREATE Work/Reports"))[^1], StringComparison.Ordinal);
        Assert.StartsWith("a4 OK", (await client.CommandAsync("a4", "CREATE Reports"))[^1], StringComparison.Ordinal);
        Assert.StartsWith("a5 NO [LIMIT]", (await client.CommandAsync("a5", "CREATE More"))[^1], StringComparison.Ordinal);

        var names = (await server.Store.ListFoldersAsync(server.AccountId, CancellationToken.None)).Select(f => f.Name).ToList();
        Assert.Equal(8, names.Count);
        Assert.DoesNotContain("Work", names);
        Assert.DoesNotContain("More", names);
    }

    [Fact]
    public async Task During_a_storage_outage_fetch_and_store_answer_unavailable_and_the_session_goes_on()
    {
        var faults = new FaultInjector();
        await using var server = await ImapTestServer.StartAsync(azurite, configureServices: s => s.AddSingleton(sp =>
        {
            var blobs = new Azure.Storage.Blobs.BlobClientOptions();
            var tables = new Azure.Data.Tables.TableClientOptions();
            foreach (var options in new Azure.Core.ClientOptions[] { blobs, tables })
            {
                options.Retry.MaxRetries = 1;
                options.Retry.Delay = TimeSpan.FromMilliseconds(10);
                options.AddPolicy(faults, Azure.Core.HttpPipelinePosition.PerRetry);
            }

            return new StorageClients(sp.GetRequiredService<IOptions<StorageOptions>>(), blobOptions: blobs, tableOptions: tables);
        }));
        await server.AppendAsync(TestMessages.Simple("during the outage"));
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.CommandAsync("a1", $"LOGIN {ImapTestServer.User} \"{ImapTestServer.Password}\"");
        await client.CommandAsync("a2", "SELECT INBOX");

        faults.Outage = true;
        Assert.Equal("a3 NO [UNAVAILABLE] Storage is unavailable, try again", (await client.CommandAsync("a3", "FETCH 1 (BODYSTRUCTURE)"))[^1]);
        Assert.Equal("a4 NO [UNAVAILABLE] Storage is unavailable, try again", (await client.CommandAsync("a4", "STORE 1 +FLAGS (\\Flagged)"))[^1]);
        Assert.Equal("a5 NO [UNAVAILABLE] Storage is unavailable, try again", (await client.CommandAsync("a5", "STATUS INBOX (MESSAGES)"))[^1]);
        faults.Outage = false;

        var fetched = await client.CommandAsync("a6", "FETCH 1 (FLAGS BODY.PEEK[])");
        Assert.StartsWith("a6 OK", fetched[^1], StringComparison.Ordinal);
        Assert.Contains(fetched, l => l.Contains("during the outage", StringComparison.Ordinal));
        Assert.DoesNotContain(fetched, l => l.Contains("\\Flagged", StringComparison.Ordinal));
        Assert.StartsWith("a7 OK", (await client.CommandAsync("a7", "STORE 1 +FLAGS (\\Flagged)"))[^1], StringComparison.Ordinal);
        Assert.True((await server.Store.GetSnapshotAsync(server.AccountId, "INBOX", CancellationToken.None)).Messages.Single().Flags.Has(SystemFlags.Flagged));
    }

}
