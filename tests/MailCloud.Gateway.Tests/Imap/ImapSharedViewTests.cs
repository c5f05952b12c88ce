using MailCloud.Core.Mailboxes;
using MailCloud.Gateway.Tests.Support;
using MailCloud.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MailCloud.Gateway.Tests.Imap;

/// <summary>
/// The gateway's one view per selected folder: moved forward by what changed since the MODSEQ it
/// knows, and keywords announced in FLAGS before a FETCH shows them (RFC 9051 §7.3.5).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ImapSharedViewTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Changes_from_another_process_are_merged_without_listing_the_folder_again()
    {
        CallCounter<IMailboxStore>? calls = null;
        await using var server = await ImapTestServer.StartAsync(azurite, configureServices: s => s.AddSingleton(sp =>
        {
            (var store, calls) = CallCounter<IMailboxStore>.Wrap(ActivatorUtilities.CreateInstance<TableMailboxStore>(sp));
            return store;
        }));
        var first = await server.AppendAsync(TestMessages.Simple("one"));
        var second = await server.AppendAsync(TestMessages.Simple("two"));
        var other = server.CreateOtherStore();
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        await client.CommandAsync("s", "SELECT INBOX");
        var listings = calls!["GetSnapshotAsync"];

        // The pipeline in another process delivers, and another client flags: the session is told of both.
        await using (var content = TestMessages.Stream(TestMessages.Simple("three")))
        {
            await other.AppendAsync(server.AccountId, "INBOX", content, MessageFlags.Empty, DateTimeOffset.UtcNow, null, CancellationToken.None);
        }

        await other.StoreFlagsAsync(server.AccountId, "INBOX", [first], FlagChangeMode.Add, new MessageFlags(SystemFlags.Flagged, new HashSet<string>()), null, CancellationToken.None);
        var seen = await client.NoopUntilAsync(lines => lines.Contains("* 3 EXISTS") && lines.Contains("* 1 FETCH (UID 1 FLAGS (\\Flagged))"));
        Assert.Contains("* 3 EXISTS", seen);
        Assert.Equal(listings, calls["GetSnapshotAsync"]);
        Assert.True(calls["GetChangesAsync"] > 0);

        // An expunge leaves a tombstone, merged like the rest: the folder is not listed again.
        await other.StoreFlagsAsync(server.AccountId, "INBOX", [second], FlagChangeMode.Add, new MessageFlags(SystemFlags.Deleted, new HashSet<string>()), null, CancellationToken.None);
        await other.ExpungeAsync(server.AccountId, "INBOX", null, CancellationToken.None);
        Assert.Contains("* 2 EXPUNGE", await client.NoopUntilAsync(lines => lines.Contains("* 2 EXPUNGE")));
        Assert.Equal(listings, calls["GetSnapshotAsync"]);
        var fetch = await client.CommandAsync("f", "FETCH 1:* (UID)");
        Assert.Equal(["* 1 FETCH (UID 1)", "* 2 FETCH (UID 3)", "f OK FETCH completed"], fetch);
    }

    [Fact]
    public async Task A_new_keyword_is_announced_in_flags_before_any_fetch_shows_it()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await server.AppendAsync(TestMessages.Simple("one"));
        await using var writer = await ImapRawClient.ConnectAsync(server.Port);
        await using var reader = await ImapRawClient.ConnectAsync(server.Port);
        await writer.LoginAsync();
        await reader.LoginAsync();
        await writer.CommandAsync("s", "SELECT INBOX");
        var selected = await reader.CommandAsync("s", "SELECT INBOX");
        Assert.Contains("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)", selected);

        // The session that stores it is told first.
        var stored = await writer.CommandAsync("a", "STORE 1 +FLAGS ($Label1)");
        AssertAnnouncedBeforeUse(stored, "$Label1");

        // So is the other session, whichever command brings the change.
        var noticed = await reader.NoopUntilAsync(lines => lines.Any(l => l.Contains("FETCH", StringComparison.Ordinal)));
        AssertAnnouncedBeforeUse(noticed, "$Label1");
        Assert.Single(noticed, l => l.StartsWith("* FLAGS", StringComparison.Ordinal));

        // A keyword already announced is not announced again; a new SELECT lists it from the start.
        Assert.DoesNotContain(await reader.CommandAsync("f", "FETCH 1 FLAGS"), l => l.StartsWith("* FLAGS", StringComparison.Ordinal));
        await using var third = await ImapRawClient.ConnectAsync(server.Port);
        await third.LoginAsync();
        var reselected = await third.CommandAsync("s", "SELECT INBOX");
        Assert.Contains("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label1)", reselected);
        Assert.Contains("* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label1 \\*)] Flags allowed", reselected);
    }

    private static void AssertAnnouncedBeforeUse(List<string> lines, string keyword)
    {
        var announced = lines.FindIndex(l => l.StartsWith("* FLAGS (", StringComparison.Ordinal) && l.Contains(keyword, StringComparison.Ordinal));
        var permanent = lines.FindIndex(l => l.StartsWith("* OK [PERMANENTFLAGS (", StringComparison.Ordinal) && l.Contains(keyword, StringComparison.Ordinal));
        var used = lines.FindIndex(l => l.Contains(" FETCH (", StringComparison.Ordinal) && l.Contains(keyword, StringComparison.Ordinal));
        Assert.True(announced >= 0 && permanent > announced && used > permanent, string.Join(" | ", lines));
    }
}
