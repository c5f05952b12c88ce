using Azure.Data.Tables;
using MailCloud.Core.Mailboxes;
using MailCloud.Testing;

namespace MailCloud.Core.Tests.Mailboxes;

/// <summary>
/// Subscriptions as their own rows in the account partition (RFC 9051 §6.3.7, RFC 5258 §3): names that
/// outlive DELETE and stay put on RENAME, and the older per-folder flag, read as before and turned into
/// a row by the change that would otherwise lose it.
/// </summary>
[Collection(AzuriteCollection.Name)]
public class SubscriptionTests(AzuriteFixture azurite)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task A_subscription_outlives_delete_stays_on_rename_and_goes_with_unsubscribe()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var store = harness.NewStore();
        Assert.Equal(["Archive", "Drafts", "INBOX", "Junk", "Sent", "Trash"], await store.ListSubscriptionsAsync(harness.AccountId, None));
        await store.CreateFolderAsync(harness.AccountId, "Lists/Old", None);
        await store.SetSubscribedAsync(harness.AccountId, "Lists/Old", true, None);

        await store.RenameFolderAsync(harness.AccountId, "Lists/Old", "Lists/New", None);
        await store.CreateFolderAsync(harness.AccountId, "Gone", None);
        await store.SetSubscribedAsync(harness.AccountId, "Gone", true, None);
        await store.DeleteFolderAsync(harness.AccountId, "Gone", None);

        var subscriptions = await harness.NewStore().ListSubscriptionsAsync(harness.AccountId, None);
        Assert.Contains("Lists/Old", subscriptions);
        Assert.Contains("Gone", subscriptions);
        Assert.DoesNotContain("Lists/New", subscriptions);
        Assert.False((await store.ListFoldersAsync(harness.AccountId, None)).Single(f => f.Name == "Lists/New").Subscribed);

        // UNSUBSCRIBE takes any name (twice is fine); SUBSCRIBE only an existing folder's.
        await store.SetSubscribedAsync(harness.AccountId, "Gone", false, None);
        await store.SetSubscribedAsync(harness.AccountId, "Gone", false, None);
        await store.SetSubscribedAsync(harness.AccountId, "Never", false, None);
        await Assert.ThrowsAsync<FolderNotFoundException>(() => store.SetSubscribedAsync(harness.AccountId, "Gone", true, None));
        Assert.DoesNotContain("Gone", await store.ListSubscriptionsAsync(harness.AccountId, None));
        await MailboxConsistency.AssertAsync(harness);
    }

    [Fact]
    public async Task The_older_folder_flag_still_counts_and_becomes_a_row_when_delete_rename_or_unsubscribe_would_lose_it()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var store = harness.NewStore();
        foreach (var name in new[] { "Kept", "Moved", "Dropped", "Plain" })
        {
            await store.CreateFolderAsync(harness.AccountId, name, None);
        }

        // As the previous layout wrote them: the flag on the folder rows, no subscription rows.
        foreach (var row in (await harness.RowsAsync()).Where(r => r.RowKey.StartsWith("F:", StringComparison.Ordinal) && r.GetString("Name") is "Kept" or "Moved" or "Dropped"))
        {
            row["Subscribed"] = true;
            await harness.Storage.MailboxIndex.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace);
        }

        var legacy = harness.NewStore();
        Assert.True((await legacy.ListFoldersAsync(harness.AccountId, None)).Single(f => f.Name == "Kept").Subscribed);

        await legacy.DeleteFolderAsync(harness.AccountId, "Kept", None);
        await legacy.RenameFolderAsync(harness.AccountId, "Moved", "Elsewhere", None);
        await legacy.SetSubscribedAsync(harness.AccountId, "Dropped", false, None);

        var subscriptions = await harness.NewStore().ListSubscriptionsAsync(harness.AccountId, None);
        Assert.Contains("Kept", subscriptions);
        Assert.Contains("Moved", subscriptions);
        Assert.DoesNotContain("Elsewhere", subscriptions);
        Assert.DoesNotContain("Dropped", subscriptions);
        Assert.DoesNotContain("Plain", subscriptions);
        var rows = await harness.RowsAsync();
        Assert.DoesNotContain(rows, r => r.RowKey.StartsWith("F:", StringComparison.Ordinal) && r.GetBoolean("Subscribed") == true);
        Assert.Equal(8, rows.Count(r => r.RowKey.StartsWith("B:", StringComparison.Ordinal)));
        await MailboxConsistency.AssertAsync(harness);
    }
}
