using MailCloud.Core.Directory;
using MailCloud.Testing;

namespace MailCloud.Core.Tests.Directory;

/// <summary>A list's members, owners, settings and disabled members change through one compare-and-swap and read back as stored.</summary>
[Collection(AzuriteCollection.Name)]
public class ListUpdateTests(AzuriteFixture azurite)
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    [Fact]
    public async Task A_list_change_is_stored_and_read_back_by_another_directory()
    {
        var storage = await azurite.CreateStorageAsync();
        var directory = TestDirectories.Create(storage);
        await directory.AddDomainAsync("example.test", Ct);
        await directory.AddAccountAsync("alice@example.test", "pw", null, null, Ct);
        await directory.AddListAsync("team@example.test", ["alice@example.test"], PostingPolicy.Members, [], Ct);
        var since = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

        var changed = await directory.UpdateListAsync("TEAM@example.test", l => l with
        {
            Members = [.. l.Members, "Carol@Remote.test", "carol@remote.test"],
            Owners = ["boss@remote.test"],
            Settings = l.Settings with { Subscription = SubscriptionPolicy.Confirm, SubjectTag = "[team]", Archive = true },
            Disabled = [new DisabledMember("carol@remote.test", since, DisabledReason.Bounces), new DisabledMember("nobody@remote.test", since, DisabledReason.Owner)],
        }, Ct);

        Assert.Equal(["alice@example.test", "Carol@remote.test"], changed.Members);
        var stored = (await TestDirectories.Create(storage).GetSnapshotAsync(Ct)).FindList("team@example.test")!;
        Assert.Equal(changed.Members, stored.Members);
        Assert.Equal(["boss@remote.test"], stored.Owners);
        Assert.Equal(SubscriptionPolicy.Confirm, stored.Settings.Subscription);
        Assert.Equal("[team]", stored.Settings.SubjectTag);
        Assert.True(stored.Settings.Archive);
        Assert.Equal(NonMemberPosts.Hold, stored.Settings.NonMemberPosts);
        // Only members can be disabled.
        Assert.Equal(new DisabledMember("carol@remote.test", since, DisabledReason.Bounces), Assert.Single(stored.Disabled));
        Assert.True(stored.IsDisabled("CAROL@remote.test"));
    }

    [Fact]
    public async Task A_member_who_leaves_is_no_longer_disabled_and_a_list_may_become_empty()
    {
        var storage = await azurite.CreateStorageAsync();
        var directory = TestDirectories.Create(storage);
        await directory.AddDomainAsync("example.test", Ct);
        await directory.AddListAsync("team@example.test", ["carol@remote.test"], PostingPolicy.Anyone, [], Ct);
        await directory.UpdateListAsync("team@example.test", l => l with { Disabled = [new DisabledMember("carol@remote.test", DateTimeOffset.UnixEpoch, DisabledReason.Owner)] }, Ct);

        var changed = await directory.UpdateListAsync("team@example.test", l => l with { Members = [] }, Ct);

        Assert.Empty(changed.Members);
        Assert.Empty(changed.Disabled);
    }

    [Fact]
    public async Task A_directory_stored_before_lists_ran_themselves_reads_with_the_defaults()
    {
        var storage = await azurite.CreateStorageAsync();
        await storage.Directory.CreateIfNotExistsAsync(cancellationToken: Ct);
        await storage.Directory.GetBlobClient("directory.json").UploadAsync(BinaryData.FromString("""
            {"schema":1,"domains":[{"name":"example.test"}],"accounts":[],"aliases":[],
             "lists":[{"address":"team@example.test","members":["carol@remote.test"],"policy":"members","allowedSenders":[]}]}
            """), Ct);

        var list = (await TestDirectories.Create(storage).GetSnapshotAsync(Ct)).FindList("team@example.test")!;

        Assert.Empty(list.Owners);
        Assert.Empty(list.Disabled);
        Assert.Equal(new ListSettings(), list.Settings);
        Assert.Equal(SubscriptionPolicy.Closed, list.Settings.Subscription);
    }
}
