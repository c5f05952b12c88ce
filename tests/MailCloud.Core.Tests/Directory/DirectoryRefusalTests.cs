using MailCloud.Core.Directory;
using MailCloud.Testing;

namespace MailCloud.Core.Tests.Directory;

/// <summary>Every refused change says what is wrong and leaves the stored directory exactly as it was.</summary>
[Collection(AzuriteCollection.Name)]
public class DirectoryRefusalTests(AzuriteFixture azurite)
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    private static readonly Dictionary<string, (Func<IMailDirectory, Task> Change, string Message)> Refusals = new()
    {
        ["malformed address"] = (d => d.AddAccountAsync("not an address", "pw", null, null, Ct), "Invalid address"),
        ["malformed domain"] = (d => d.AddDomainAsync("bad_domain!", Ct), "Invalid domain"),
        ["account in an unknown domain"] = (d => d.AddAccountAsync("eve@elsewhere.test", "pw", null, null, Ct), "elsewhere.test of eve@elsewhere.test is not hosted"),
        ["alias in an unknown domain"] = (d => d.AddAliasAsync("eve@elsewhere.test", ["alice@example.test"], Ct), "is not hosted"),
        ["list in an unknown domain"] = (d => d.AddListAsync("eve@elsewhere.test", ["alice@example.test"], PostingPolicy.Anyone, [], Ct), "is not hosted"),
        ["duplicate domain"] = (d => d.AddDomainAsync("EXAMPLE.test", Ct), "already hosted"),
        ["account duplicating an account"] = (d => d.AddAccountAsync("Alice@example.test", "pw", null, null, Ct), "already used by an account"),
        ["account duplicating an alias"] = (d => d.AddAccountAsync("sales@example.test", "pw", null, null, Ct), "already used by an alias"),
        ["alias duplicating a list"] = (d => d.AddAliasAsync("team@example.test", ["alice@example.test"], Ct), "already used by a list"),
        ["list duplicating an account"] = (d => d.AddListAsync("alice@example.test", ["sales@example.test"], PostingPolicy.Anyone, [], Ct), "already used by an account"),
        ["alias to itself"] = (d => d.AddAliasAsync("loop@example.test", ["loop@example.test"], Ct), "loop"),
        ["alias loop through a tagged target"] = (d => d.AddAliasAsync("alice+x@example.test", ["tagged@example.test"], Ct), "loop: alice+x@example.test → tagged@example.test → alice+x@example.test"),
        ["list loop through an alias"] = (d => d.AddListAsync("alice+team@example.test", ["via-list@example.test"], PostingPolicy.Anyone, [], Ct), "loop"),
        ["empty password"] = (d => d.AddAccountAsync("new@example.test", "", null, null, Ct), "password is empty"),
        ["empty new password"] = (d => d.SetPasswordAsync("alice@example.test", "", Ct), "password is empty"),
        ["non-positive quota"] = (d => d.AddAccountAsync("new@example.test", "pw", null, 0, Ct), "quota"),
        ["alias to a missing local address"] = (d => d.AddAliasAsync("new@example.test", ["ghost@example.test"], Ct), "ghost@example.test, which is in a hosted domain but is no account"),
        ["list with a missing local member"] = (d => d.AddListAsync("new@example.test", ["ghost@example.test"], PostingPolicy.Anyone, [], Ct), "ghost@example.test"),
        ["alias with no target"] = (d => d.AddAliasAsync("new@example.test", [], Ct), "at least one target"),
        ["senders policy without senders"] = (d => d.AddListAsync("new@example.test", ["alice@example.test"], PostingPolicy.Senders, [], Ct), "no allowed senders"),
        ["catch-all to a missing local address"] = (d => d.SetCatchAllAsync("example.test", "ghost@example.test", Ct), "ghost@example.test"),
        ["catch-all of an unknown domain"] = (d => d.SetCatchAllAsync("elsewhere.test", null, Ct), "not hosted"),
        ["removing a domain that has entries"] = (d => d.RemoveDomainAsync("example.test", Ct), "still has"),
        ["removing an account an alias points to"] = (d => d.RemoveAccountAsync("alice@example.test", Ct), "still used by alias sales@example.test"),
        ["removing an unknown account"] = (d => d.RemoveAccountAsync("ghost@example.test", Ct), "no account ghost@example.test"),
        ["disabling an unknown account"] = (d => d.SetAccountEnabledAsync("ghost@example.test", false, Ct), "no account"),
        ["zero message limit"] = (d => d.SetLimitsAsync("alice@example.test", l => l with { QuotaMessages = 0 }, Ct), "The message limit must be a positive number of messages, not 0"),
        ["negative message limit"] = (d => d.SetLimitsAsync("alice@example.test", l => l with { QuotaMessages = -5 }, Ct), "not -5"),
        ["non-positive new quota"] = (d => d.SetLimitsAsync("alice@example.test", l => l with { QuotaBytes = 0 }, Ct), "The quota must be a positive number of bytes"),
        ["list change to a missing local member"] = (d => d.UpdateListAsync("team@example.test", l => l with { Members = [.. l.Members, "ghost@example.test"] }, Ct), "ghost@example.test"),
        ["list change that renames"] = (d => d.UpdateListAsync("team@example.test", l => l with { Address = "other@example.test" }, Ct), "cannot rename"),
        ["list change closing a loop"] = (d => d.UpdateListAsync("team@example.test", l => l with { Members = [.. l.Members, "via-team@example.test"] }, Ct), "loop"),
        ["list subject tag over two lines"] = (d => d.UpdateListAsync("team@example.test", l => l with { Settings = l.Settings with { SubjectTag = "[team]\r\nBcc: x@y" } }, Ct), "subject tag"),
        ["list footer too long"] = (d => d.UpdateListAsync("team@example.test", l => l with { Settings = l.Settings with { Footer = new string('x', ListSettings.MaxFooterLength + 1) } }, Ct), "footer"),
        ["list owner not an address"] = (d => d.UpdateListAsync("team@example.test", l => l with { Owners = ["not an address"] }, Ct), "Invalid owner"),
        ["change of an unknown list"] = (d => d.UpdateListAsync("ghost@example.test", l => l, Ct), "no list ghost@example.test"),
        ["limits of an unknown account"] = (d => d.SetLimitsAsync("ghost@example.test", l => l with { QuotaMessages = 10 }, Ct), "no account ghost@example.test"),
    };

    public static TheoryData<string> RefusalNames => [.. Refusals.Keys];

    [Theory]
    [MemberData(nameof(RefusalNames))]
    public async Task Refuses_bad_input_and_changes_nothing(string refusal)
    {
        var storage = await azurite.CreateStorageAsync();
        var directory = TestDirectories.Create(storage);
        await directory.AddDomainAsync("example.test", Ct);
        await directory.AddAccountAsync("alice@example.test", "alice-pw", null, null, Ct);
        await directory.AddAliasAsync("sales@example.test", ["alice@example.test"], Ct);
        await directory.AddAliasAsync("tagged@example.test", ["alice+x@example.test"], Ct);
        await directory.AddListAsync("team@example.test", ["alice@example.test"], PostingPolicy.Anyone, [], Ct);
        await directory.AddAliasAsync("via-list@example.test", ["alice+team@example.test"], Ct);
        await directory.AddAliasAsync("via-team@example.test", ["team@example.test"], Ct);
        var before = await storage.Directory.GetBlobClient("directory.json").DownloadContentAsync();

        var (change, message) = Refusals[refusal];
        var error = await Assert.ThrowsAsync<DirectoryException>(() => change(directory));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        var after = await storage.Directory.GetBlobClient("directory.json").DownloadContentAsync();
        Assert.Equal(before.Value.Details.ETag, after.Value.Details.ETag);
        Assert.Equal(before.Value.Content.ToString(), after.Value.Content.ToString());
    }
}
