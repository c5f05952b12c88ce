using MailCloud.Core.Configuration;
using MailCloud.Core.Sieve;
using MailCloud.Core.Sieve.Scripts;
using MailCloud.Testing;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Tests.Sieve.Scripts;

/// <summary>The blob script store against real Azurite: the RFC 5804 data model, its refusals, versions and racing writers.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class BlobSieveScriptStoreTests(AzuriteFixture azurite)
{
    private const string Account = "0123456789abcdef0123456789abcdef";
    private const string Script = "require \"fileinto\";\r\nfileinto \"Junk\";\r\n";
    private static readonly CancellationToken Ct = CancellationToken.None;

    [Fact]
    public async Task Put_list_activate_get_and_delete_round_trip()
    {
        var store = await CreateStoreAsync();
        Assert.Empty(await store.ListAsync(Account, Ct));
        Assert.Null(await store.GetActiveAsync(Account, Ct));

        await store.PutAsync(Account, "filters", Script, Ct);
        await store.PutAsync(Account, "vacation", "keep;", Ct);
        await store.SetActiveAsync(Account, "filters", Ct);

        Assert.Equal([new SieveScriptEntry("filters", true), new SieveScriptEntry("vacation", false)], await store.ListAsync(Account, Ct));
        Assert.Equal(new SieveScript("filters", Script), await store.GetActiveAsync(Account, Ct));
        Assert.Equal(new SieveScript("vacation", "keep;"), await store.GetAsync(Account, "vacation", Ct));
        Assert.Null(await store.GetAsync(Account, "Filters", Ct));

        await store.DeleteAsync(Account, "vacation", Ct);
        await store.SetActiveAsync(Account, null, Ct);
        Assert.Equal([new SieveScriptEntry("filters", false)], await store.ListAsync(Account, Ct));
        Assert.Null(await store.GetActiveAsync(Account, Ct));
    }

    [Fact]
    public async Task Replacing_a_script_keeps_the_previous_version_and_keeps_it_active()
    {
        var store = await CreateStoreAsync();
        await store.PutAsync(Account, "main", "keep;", Ct);
        Assert.Null(await store.GetPreviousAsync(Account, "main", Ct));
        await store.SetActiveAsync(Account, "main", Ct);

        await store.PutAsync(Account, "main", "discard;", Ct);
        await store.PutAsync(Account, "main", Script, Ct);

        Assert.Equal(new SieveScript("main", Script), await store.GetActiveAsync(Account, Ct));
        Assert.Equal(new SieveScript("main", "discard;"), await store.GetPreviousAsync(Account, "main", Ct));
    }

    [Fact]
    public async Task The_active_script_cannot_be_deleted_and_missing_ones_are_nonexistent()
    {
        var store = await CreateStoreAsync();
        await store.PutAsync(Account, "main", "keep;", Ct);
        await store.SetActiveAsync(Account, "main", Ct);

        await AssertRefusedAsync(SieveRefusal.Active, () => store.DeleteAsync(Account, "main", Ct));
        await AssertRefusedAsync(SieveRefusal.NonExistent, () => store.DeleteAsync(Account, "other", Ct));
        await AssertRefusedAsync(SieveRefusal.NonExistent, () => store.SetActiveAsync(Account, "other", Ct));
        Assert.Equal([new SieveScriptEntry("main", true)], await store.ListAsync(Account, Ct));
    }

    [Fact]
    public async Task Rename_moves_the_active_mark_and_refuses_missing_and_taken_names()
    {
        var store = await CreateStoreAsync();
        await store.PutAsync(Account, "a", "keep;", Ct);
        await store.PutAsync(Account, "b", "discard;", Ct);
        await store.SetActiveAsync(Account, "a", Ct);

        await AssertRefusedAsync(SieveRefusal.AlreadyExists, () => store.RenameAsync(Account, "a", "b", Ct));
        await AssertRefusedAsync(SieveRefusal.NonExistent, () => store.RenameAsync(Account, "c", "d", Ct));
        await AssertRefusedAsync(SieveRefusal.InvalidName, () => store.RenameAsync(Account, "a", "bad\r\nname", Ct));
        await store.RenameAsync(Account, "a", "renamed", Ct);

        Assert.Equal([new SieveScriptEntry("renamed", true), new SieveScriptEntry("b", false)], await store.ListAsync(Account, Ct));
        Assert.Equal(new SieveScript("renamed", "keep;"), await store.GetActiveAsync(Account, Ct));
    }

    [Fact]
    public async Task Limits_refuse_large_scripts_one_script_too_many_and_bad_names_and_store_nothing()
    {
        var store = await CreateStoreAsync(new SieveScriptOptions { MaxScriptSize = 100, MaxScriptsPerAccount = 2 });
        await store.PutAsync(Account, "one", "keep;", Ct);
        await store.PutAsync(Account, "two", "keep;", Ct);

        await AssertRefusedAsync(SieveRefusal.MaxScripts, () => store.PutAsync(Account, "three", "keep;", Ct));
        await AssertRefusedAsync(SieveRefusal.MaxSize, () => store.PutAsync(Account, "one", new string('#', 101), Ct));
        // Size is counted in UTF-8 octets: 34 three-octet characters are 102 octets.
        await AssertRefusedAsync(SieveRefusal.MaxSize, () => store.PutAsync(Account, "one", new string('€', 34), Ct));
        foreach (var name in new[] { "", "tab\there", "nul\0", "del\u007f", "c1\u0085", "line\u2028sep", "para\u2029sep", "lone\ud800surrogate", new string('x', 129) })
        {
            await AssertRefusedAsync(SieveRefusal.InvalidName, () => store.PutAsync(Account, name, "keep;", Ct));
        }

        Assert.Equal(SieveRefusal.MaxScripts, await store.HaveSpaceAsync(Account, "three", 10, Ct));
        Assert.Equal(SieveRefusal.MaxSize, await store.HaveSpaceAsync(Account, "one", 101, Ct));
        Assert.Null(await store.HaveSpaceAsync(Account, "one", 100, Ct));
        Assert.Equal(["one", "two"], (await store.ListAsync(Account, Ct)).Select(e => e.Name));
        Assert.Equal("keep;", (await store.GetAsync(Account, "one", Ct))!.Content);

        // Names are any Unicode without control characters (RFC 5804 §1.6), here 128 characters with one outside the BMP.
        await store.DeleteAsync(Account, "two", Ct);
        var name128 = "Üñï/çødé 📬 " + new string('y', 116);
        await store.PutAsync(Account, name128, "keep;", Ct);
        Assert.Equal("keep;", (await store.GetAsync(Account, name128, Ct))!.Content);
    }

    [Fact]
    public async Task Racing_writers_from_two_instances_lose_nothing_and_never_exceed_the_limit()
    {
        var storage = await azurite.CreateStorageAsync();
        var options = new SieveScriptOptions { MaxScriptsPerAccount = 10 };
        var first = Create(storage, options);
        var second = Create(storage, options);

        var puts = Enumerable.Range(0, 14).Select(async i =>
        {
            try
            {
                await (i % 2 == 0 ? first : second).PutAsync(Account, $"s{i}", $"# {i}\r\nkeep;", Ct);
                return true;
            }
            catch (SieveScriptRefusedException e) when (e.Reason == SieveRefusal.MaxScripts)
            {
                return false;
            }
        });
        var stored = (await Task.WhenAll(puts)).Count(ok => ok);

        var listed = await first.ListAsync(Account, Ct);
        Assert.Equal(10, stored);
        Assert.Equal(10, listed.Count);
        foreach (var entry in listed)
        {
            Assert.Equal($"# {entry.Name[1..]}\r\nkeep;", (await second.GetAsync(Account, entry.Name, Ct))!.Content);
        }
    }

    [Fact]
    public async Task Accounts_are_separate_and_global_scripts_live_apart()
    {
        var storage = await azurite.CreateStorageAsync();
        var store = Create(storage, new SieveScriptOptions());
        const string other = "fedcba9876543210fedcba9876543210";
        await store.PutAsync(Account, "main", "keep;", Ct);
        await store.PutGlobalAsync("spam/rules", "discard;", Ct);

        Assert.Empty(await store.ListAsync(other, Ct));
        Assert.Null(await store.GetGlobalAsync("main", Ct));
        Assert.Equal(new SieveScript("spam/rules", "discard;"), await store.GetGlobalAsync("spam/rules", Ct));
        Assert.Equal(["spam/rules"], await store.ListGlobalAsync(Ct));
        Assert.Null(await store.GetAsync(Account, "spam/rules", Ct));
        Assert.True(await store.DeleteGlobalAsync("spam/rules", Ct));
        Assert.Null(await store.GetGlobalAsync("spam/rules", Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => store.ListAsync("../global/x", Ct));
    }

    [Fact]
    public async Task A_storage_outage_comes_out_as_the_store_exception_and_changes_nothing()
    {
        var options = azurite.CreateStorageOptions();
        var storage = new StorageClients(Options.Create(options));
        await storage.EnsureContainersAsync(Ct);
        var outage = new StorageOutage(options.SieveContainer);
        var healthy = Create(storage, new SieveScriptOptions());
        await healthy.PutAsync(Account, "main", "keep;", Ct);
        var failing = Create(new StorageClients(Options.Create(options), null, outage.BlobClientOptions()), new SieveScriptOptions());
        outage.IsDown = true;

        await Assert.ThrowsAsync<SieveScriptStoreUnavailableException>(() => failing.PutAsync(Account, "main", "discard;", Ct));
        await Assert.ThrowsAsync<SieveScriptStoreUnavailableException>(() => failing.ListAsync(Account, Ct));
        Assert.True(outage.FailedRequests > 0);
        Assert.Equal("keep;", (await healthy.GetAsync(Account, "main", Ct))!.Content);
    }

    private static async Task AssertRefusedAsync(SieveRefusal reason, Func<Task> change)
    {
        var refused = await Assert.ThrowsAsync<SieveScriptRefusedException>(change);
        Assert.Equal(reason, refused.Reason);
    }

    private async Task<BlobSieveScriptStore> CreateStoreAsync(SieveScriptOptions? options = null) =>
        Create(await azurite.CreateStorageAsync(), options ?? new SieveScriptOptions());

    private static BlobSieveScriptStore Create(StorageClients storage, SieveScriptOptions options) =>
        new(storage, Options.Create(options), TimeProvider.System);
}
