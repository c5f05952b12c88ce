using MailCloud.Core.Addresses;
using MailCloud.Core.Directory;
using MailCloud.Testing;

namespace MailCloud.Core.Tests.Directory;

[Collection(AzuriteCollection.Name)]
public class DirectoryResolveTests(AzuriteFixture azurite)
{
    private async Task<(BlobMailDirectory Directory, DirectorySnapshot Snapshot)> CreatePopulatedAsync()
    {
        var directory = TestDirectories.Create(await azurite.CreateStorageAsync());
        var ct = CancellationToken.None;
        await directory.AddDomainAsync("Example.Test", ct);
        await directory.AddDomainAsync("catchall.test", ct);
        await directory.AddAccountAsync("alice@example.test", "alice-pw", "Alice Example", null, ct);
        await directory.AddAccountAsync("Bob@Example.Test", "bob-pw", null, 5_000_000, ct);
        await directory.AddAccountAsync("carol@catchall.test", "carol-pw", null, null, ct);
        await directory.AddAliasAsync("sales@example.test", ["alice@example.test", "partner@remote.test"], ct);
        await directory.AddAliasAsync("info@example.test", ["sales@example.test"], ct);
        await directory.AddListAsync("team@example.test", ["alice@example.test", "bob@example.test"], PostingPolicy.Members, [], ct);
        await directory.SetCatchAllAsync("catchall.test", "carol@catchall.test", ct);
        return (directory, await directory.GetSnapshotAsync(ct));
    }

    [Fact]
    public async Task Resolves_every_kind_of_recipient()
    {
        var (_, snapshot) = await CreatePopulatedAsync();

        var account = snapshot.Resolve("ALICE@example.TEST");
        Assert.Equal(RecipientKind.Account, account.Kind);
        Assert.Equal("alice@example.test", account.Account!.Address);

        var alias = snapshot.Resolve("sales@example.test");
        Assert.Equal(RecipientKind.Alias, alias.Kind);
        Assert.Equal(["alice@example.test", "partner@remote.test"], alias.Alias!.Targets);

        var list = snapshot.Resolve("team@example.test");
        Assert.Equal(RecipientKind.List, list.Kind);
        Assert.Equal(PostingPolicy.Members, list.List!.Policy);
        Assert.Equal(["alice@example.test", "bob@example.test"], list.List.Members);

        var catchAll = snapshot.Resolve("anything@catchall.test");
        Assert.Equal(RecipientKind.CatchAll, catchAll.Kind);
        Assert.Equal("carol@catchall.test", catchAll.CatchAllTarget);

        var unknown = snapshot.Resolve("nobody@example.test");
        Assert.Equal(RecipientKind.Unknown, unknown.Kind);
        Assert.False(unknown.IsDeliverable);

        Assert.Equal(RecipientKind.Remote, snapshot.Resolve("someone@remote.test").Kind);
    }

    [Fact]
    public async Task Plus_addressing_reaches_the_users_entry_unless_the_tagged_address_is_an_entry_itself()
    {
        var (directory, _) = await CreatePopulatedAsync();
        await directory.AddAliasAsync("bob+private@example.test", ["alice@example.test"], CancellationToken.None);
        var snapshot = await directory.GetSnapshotAsync(CancellationToken.None);

        var tagged = snapshot.Resolve("alice+newsletters@example.test");
        Assert.Equal(RecipientKind.Account, tagged.Kind);
        Assert.Equal("alice@example.test", tagged.Account!.Address);
        Assert.Equal("alice+newsletters@example.test", tagged.Address);

        Assert.Equal(RecipientKind.Alias, snapshot.Resolve("sales+q3@example.test").Kind);
        Assert.Equal(RecipientKind.Alias, snapshot.Resolve("bob+private@example.test").Kind);
        Assert.Equal(RecipientKind.Account, snapshot.Resolve("bob+other@example.test").Kind);
        Assert.Equal(RecipientKind.Unknown, snapshot.Resolve("nobody+tag@example.test").Kind);
    }

    [Fact]
    public async Task Lookups_find_accounts_by_address_and_id_and_domains_by_any_case()
    {
        var (_, snapshot) = await CreatePopulatedAsync();

        var bob = snapshot.FindAccount("BOB@example.test");
        Assert.NotNull(bob);
        Assert.Equal(5_000_000, bob.QuotaBytes);
        Assert.True(bob.Enabled);
        Assert.Same(bob, snapshot.FindAccountById(bob.Id));
        Assert.Equal(1L << 30, snapshot.FindAccount("alice@example.test")!.QuotaBytes);
        Assert.Equal("Alice Example", snapshot.FindAccount("alice@example.test")!.DisplayName);
        Assert.True(snapshot.IsHostedDomain("EXAMPLE.test"));
        Assert.False(snapshot.IsHostedDomain("remote.test"));
        Assert.Null(snapshot.FindAccount("sales@example.test"));
        Assert.Null(snapshot.FindAccountById("0123456789abcdef0123456789abcdef"));
    }

    [Fact]
    public async Task Account_ids_are_fresh_guids_never_derived_from_the_address()
    {
        var (directory, first) = await CreatePopulatedAsync();
        var firstId = first.FindAccount("bob@example.test")!.Id;
        await directory.RemoveListAsync("team@example.test", CancellationToken.None);
        await directory.RemoveAccountAsync("bob@example.test", CancellationToken.None);
        var again = await directory.AddAccountAsync("bob@example.test", "bob-pw", null, null, CancellationToken.None);

        Assert.True(Guid.TryParseExact(again.Id, "N", out _));
        Assert.NotEqual(firstId, again.Id);
        Assert.DoesNotContain("bob", again.Id, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task An_account_owns_its_address_and_the_aliases_that_reach_it()
    {
        var (_, snapshot) = await CreatePopulatedAsync();
        var alice = snapshot.FindAccount("alice@example.test")!;
        var bob = snapshot.FindAccount("bob@example.test")!;

        Assert.Equal(["alice@example.test", "sales@example.test", "info@example.test"], snapshot.AddressesOwnedBy(alice));
        Assert.Equal(["Bob@example.test"], snapshot.AddressesOwnedBy(bob));
        Assert.True(snapshot.IsOwnedBy(alice, EmailAddress.Parse("Sales+Q3@example.test")));
        Assert.False(snapshot.IsOwnedBy(bob, EmailAddress.Parse("sales@example.test")));
        Assert.False(snapshot.IsOwnedBy(bob, EmailAddress.Parse("team@example.test")));
    }

    [Fact]
    public async Task A_second_instance_reads_the_same_directory()
    {
        var storage = await azurite.CreateStorageAsync();
        var writer = TestDirectories.Create(storage);
        await writer.AddDomainAsync("example.test", CancellationToken.None);
        var added = await writer.AddAccountAsync("alice@example.test", "pw", "Alice", 42, CancellationToken.None);

        var reader = TestDirectories.Create(storage);
        var snapshot = await reader.GetSnapshotAsync(CancellationToken.None);

        Assert.Equal((await writer.GetSnapshotAsync(CancellationToken.None)).Version, snapshot.Version);
        Assert.Equal(added, snapshot.FindAccount("alice@example.test"));
    }

    [Fact]
    public async Task A_message_limit_is_stored_read_by_another_instance_and_removed_and_documents_without_one_have_none()
    {
        var storage = await azurite.CreateStorageAsync();
        var writer = TestDirectories.Create(storage);
        await writer.AddDomainAsync("example.test", CancellationToken.None);
        var added = await writer.AddAccountAsync("alice@example.test", "pw", null, 4096, CancellationToken.None);
        var stored = await storage.Directory.GetBlobClient("directory.json").DownloadContentAsync();

        // A document written before message limits existed has no such field: no limit.
        Assert.DoesNotContain("quotaMessages", stored.Value.Content.ToString(), StringComparison.Ordinal);
        Assert.Null(added.QuotaMessages);

        var limited = await writer.SetLimitsAsync("ALICE@example.test", l => l with { QuotaMessages = 250 }, CancellationToken.None);
        Assert.Equal(added with { QuotaMessages = 250 }, limited);
        var read = TestDirectories.Create(storage);
        Assert.Equal(limited, (await read.GetSnapshotAsync(CancellationToken.None)).FindAccount("alice@example.test"));

        // Each limit changes alone: the other stays as it was.
        var resized = await writer.SetLimitsAsync("alice@example.test", l => l with { QuotaBytes = 8192 }, CancellationToken.None);
        Assert.Equal((8192L, (long?)250), (resized.QuotaBytes, resized.QuotaMessages));
        var unlimited = await writer.SetLimitsAsync("alice@example.test", l => l with { QuotaMessages = null }, CancellationToken.None);
        Assert.Equal(added with { QuotaBytes = 8192 }, unlimited);
        Assert.Equal(unlimited, (await TestDirectories.Create(storage).GetSnapshotAsync(CancellationToken.None)).FindAccount("alice@example.test"));
    }

    [Fact]
    public async Task Removing_a_domain_by_force_removes_its_entries()
    {
        var (directory, _) = await CreatePopulatedAsync();
        await directory.RemoveDomainAsync("example.test", force: true, CancellationToken.None);
        var snapshot = await directory.GetSnapshotAsync(CancellationToken.None);

        Assert.False(snapshot.IsHostedDomain("example.test"));
        Assert.Equal(["carol@catchall.test"], snapshot.Accounts.Select(a => a.Address));
        Assert.Empty(snapshot.Aliases);
        Assert.Empty(snapshot.Lists);
        Assert.Equal(RecipientKind.Remote, snapshot.Resolve("alice@example.test").Kind);
    }

    [Fact]
    public async Task Clearing_the_catch_all_makes_unknown_local_parts_unknown()
    {
        var (directory, _) = await CreatePopulatedAsync();
        await directory.SetCatchAllAsync("catchall.test", null, CancellationToken.None);
        var snapshot = await directory.GetSnapshotAsync(CancellationToken.None);

        Assert.Equal(RecipientKind.Unknown, snapshot.Resolve("anything@catchall.test").Kind);
    }
}
