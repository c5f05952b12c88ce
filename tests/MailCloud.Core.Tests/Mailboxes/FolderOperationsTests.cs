using MailCloud.Core.Mailboxes;
using MailCloud.Testing;

namespace MailCloud.Core.Tests.Mailboxes;

[Collection(AzuriteCollection.Name)]
public class FolderOperationsTests(AzuriteFixture azurite)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task First_list_creates_the_special_use_folders()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var store = harness.NewStore();

        var folders = await store.ListFoldersAsync(harness.AccountId, None);

        Assert.Equal(["INBOX", "Archive", "Drafts", "Junk", "Sent", "Trash"], folders.Select(f => f.Name));
        Assert.Equal(SpecialUse.Inbox, folders[0].SpecialUse);
        Assert.Equal(SpecialUse.Trash, folders.Single(f => f.Name == "Trash").SpecialUse);
        Assert.All(folders, f => Assert.True(f.Subscribed));
        Assert.Equal(folders.Count, folders.Select(f => f.UidValidity).Distinct().Count());
        Assert.Equal(folders, await harness.NewStore().ListFoldersAsync(harness.AccountId, None));
    }

    [Fact]
    public async Task Create_adds_missing_superiors_and_refuses_duplicates()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var store = harness.NewStore();

        var created = await store.CreateFolderAsync(harness.AccountId, "Work/Projects", None);

        var names = (await store.ListFoldersAsync(harness.AccountId, None)).Select(f => f.Name).ToList();
        Assert.Equal("Work/Projects", created.Name);
        Assert.Contains("Work", names);
        Assert.Contains("Work/Projects", names);
        await Assert.ThrowsAsync<FolderAlreadyExistsException>(() => store.CreateFolderAsync(harness.AccountId, "Work/Projects", None));
        await Assert.ThrowsAsync<FolderAlreadyExistsException>(() => store.CreateFolderAsync(harness.AccountId, "inbox", None));
    }

    [Fact]
    public async Task Rename_takes_children_along_and_keeps_messages_and_uidvalidity()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var store = harness.NewStore();
        var before = await store.CreateFolderAsync(harness.AccountId, "Work/Projects", None);
        await store.AppendAsync(harness.AccountId, "Work/Projects", MailboxTestHarness.Message("kept"), MessageFlags.Empty, DateTimeOffset.UtcNow, null, None);

        await store.RenameFolderAsync(harness.AccountId, "Work", "Jobs/Old", None);

        var names = (await store.ListFoldersAsync(harness.AccountId, None)).Select(f => f.Name).ToList();
        Assert.DoesNotContain("Work", names);
        Assert.DoesNotContain("Work/Projects", names);
        Assert.Contains("Jobs", names);
        Assert.Contains("Jobs/Old", names);
        var moved = await store.GetSnapshotAsync(harness.AccountId, "Jobs/Old/Projects", None);
        Assert.Equal(before.UidValidity, moved.Status.UidValidity);
        Assert.Single(moved.Messages);
        await Assert.ThrowsAsync<FolderNotFoundException>(() => store.GetStatusAsync(harness.AccountId, "Work/Projects", None));
        await Assert.ThrowsAsync<InvalidFolderNameException>(() => store.RenameFolderAsync(harness.AccountId, "Jobs", "Jobs/Inside", None));
        await Assert.ThrowsAsync<FolderAlreadyExistsException>(() => store.RenameFolderAsync(harness.AccountId, "Jobs", "Sent", None));
        await Assert.ThrowsAsync<FolderNotFoundException>(() => store.RenameFolderAsync(harness.AccountId, "Nowhere", "Somewhere", None));
    }

    [Fact]
    public async Task Renaming_inbox_moves_its_messages_and_leaves_an_empty_inbox_with_a_new_uidvalidity()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var store = harness.NewStore();
        await store.AppendAsync(harness.AccountId, "INBOX", MailboxTestHarness.Message("one"), MessageFlags.Empty, DateTimeOffset.UtcNow, null, None);
        var inboxBefore = await store.GetStatusAsync(harness.AccountId, "INBOX", None);

        await store.RenameFolderAsync(harness.AccountId, "INBOX", "Old mail", None);

        var inbox = await store.GetSnapshotAsync(harness.AccountId, "INBOX", None);
        var old = await store.GetSnapshotAsync(harness.AccountId, "Old mail", None);
        Assert.Empty(inbox.Messages);
        Assert.NotEqual(inboxBefore.UidValidity, inbox.Status.UidValidity);
        Assert.Single(old.Messages);
        Assert.Equal(inboxBefore.UidValidity, old.Status.UidValidity);
        Assert.Equal(SpecialUse.Inbox, (await store.ListFoldersAsync(harness.AccountId, None)).Single(f => f.Name == "INBOX").SpecialUse);
    }

    [Fact]
    public async Task Delete_removes_the_folder_and_its_blobs_and_a_recreated_folder_gets_a_new_uidvalidity()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var store = harness.NewStore();
        var first = await store.CreateFolderAsync(harness.AccountId, "Temp", None);
        await store.AppendAsync(harness.AccountId, "Temp", MailboxTestHarness.Message("gone"), MessageFlags.Empty, DateTimeOffset.UtcNow, "delivery-1", None);
        var blobsWithFolder = await harness.BlobNamesAsync();

        await store.DeleteFolderAsync(harness.AccountId, "Temp", None);

        Assert.Empty(await harness.BlobNamesAsync());
        Assert.Single(blobsWithFolder);
        Assert.DoesNotContain(await harness.RowsAsync(), r => r.RowKey.StartsWith("M:", StringComparison.Ordinal) || r.RowKey.StartsWith("D:", StringComparison.Ordinal));
        await Assert.ThrowsAsync<FolderNotFoundException>(() => store.GetSnapshotAsync(harness.AccountId, "Temp", None));
        var second = await store.CreateFolderAsync(harness.AccountId, "Temp", None);
        Assert.NotEqual(first.UidValidity, second.UidValidity);
        Assert.Empty((await store.GetSnapshotAsync(harness.AccountId, "Temp", None)).Messages);
        await Assert.ThrowsAsync<FolderOperationNotAllowedException>(() => store.DeleteFolderAsync(harness.AccountId, "inbox", None));
    }

    [Fact]
    public async Task Subscription_is_stored()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var store = harness.NewStore();
        await store.CreateFolderAsync(harness.AccountId, "Lists", None);

        await store.SetSubscribedAsync(harness.AccountId, "Lists", true, None);
        await store.SetSubscribedAsync(harness.AccountId, "Junk", false, None);

        var folders = await harness.NewStore().ListFoldersAsync(harness.AccountId, None);
        Assert.True(folders.Single(f => f.Name == "Lists").Subscribed);
        Assert.False(folders.Single(f => f.Name == "Junk").Subscribed);
        await Assert.ThrowsAsync<FolderNotFoundException>(() => store.SetSubscribedAsync(harness.AccountId, "Nowhere", true, None));
    }

    [Theory]
    [InlineData("../../other-account/folders.json")]
    [InlineData("/")]
    [InlineData("a//b")]
    [InlineData("*")]
    [InlineData("Mail%")]
    [InlineData("Bad\r\nName")]
    public async Task Invalid_names_are_refused_and_nothing_is_stored(string name)
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var store = harness.NewStore();

        await Assert.ThrowsAsync<InvalidFolderNameException>(() => store.CreateFolderAsync(harness.AccountId, name, None));
        await Assert.ThrowsAsync<InvalidFolderNameException>(() => store.AppendAsync(harness.AccountId, name, MailboxTestHarness.Message("x"), MessageFlags.Empty, DateTimeOffset.UtcNow, "k", None));
        await Assert.ThrowsAsync<InvalidFolderNameException>(() => store.RenameFolderAsync(harness.AccountId, "INBOX", name, None));
        await Assert.ThrowsAsync<InvalidFolderNameException>(() => store.GetSnapshotAsync(harness.AccountId, name, None));

        Assert.Empty(await harness.BlobNamesAsync());
        Assert.Empty(await harness.RowsAsync());
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("Upper")]
    [InlineData("a/b")]
    public async Task Account_ids_that_are_not_plain_are_refused_and_nothing_is_stored(string accountId)
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var store = harness.NewStore();

        await Assert.ThrowsAsync<ArgumentException>(() => store.ListFoldersAsync(accountId, None));
        await Assert.ThrowsAsync<ArgumentException>(() => store.AppendAsync(accountId, "INBOX", MailboxTestHarness.Message("x"), MessageFlags.Empty, DateTimeOffset.UtcNow, null, None));

        Assert.Empty(await harness.BlobNamesAsync());
        Assert.Empty(await harness.RowsAsync());
    }
}
