using MailCloud.Core.Configuration;
using MailCloud.Core.Directory;
using MailCloud.Core.Lists.Bounces;
using MailCloud.Testing;

namespace MailCloud.Cli.Tests;

/// <summary><c>mailcloud list settings|members|owners</c>: the real executable against real Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ListAdminCommandTests(AzuriteFixture azurite)
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    private async Task<(MailCloudProcess Cli, IMailDirectory Directory, StorageClients Storage)> CreateAsync()
    {
        var (cli, directory, storage) = await CliTestDirectory.CreateAsync(azurite);
        Succeeded(await cli.RunAsync("domain", "add", "example.test"));
        Succeeded(await cli.RunAsync("list", "add", "team@example.test", "--member", "ann@remote.test", "--member", "bob@remote.test"));
        return (cli, directory, storage);
    }

    [Fact]
    public async Task Settings_are_shown_and_changed()
    {
        var (cli, directory, _) = await CreateAsync();
        Assert.Equal(
            ["list\tteam@example.test", "policy\tanyone", "subscription\tclosed", "non-member-posts\thold", "dmarc\trewrite-from", "subject-tag\t(none)", "footer\t(none)", "archive\toff", "description\t(none)", "owners\t(none)"],
            Lines(Succeeded(await cli.RunAsync("list", "settings", "team@example.test"))));

        var footer = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(footer, "-- \nThe team list\n", Ct);
            var changed = Lines(Succeeded(await cli.RunAsync(
                "list", "settings", "team@example.test", "--subscription", "confirm", "--non-member-posts", "reject", "--dmarc", "wrap",
                "--subject-tag", "[team]", "--footer-file", footer, "--archive", "on", "--description", "The team", "--policy", "moderated")));
            Assert.Contains("policy\tmoderated", changed);
            Assert.Contains("dmarc\twrap", changed);
            Assert.Contains("footer\t18 characters", changed);
        }
        finally
        {
            File.Delete(footer);
        }

        var list = (await directory.GetSnapshotAsync(Ct)).FindList("team@example.test")!;
        Assert.Equal(PostingPolicy.Moderated, list.Policy);
        Assert.Equal(new ListSettings
        {
            Subscription = SubscriptionPolicy.Confirm,
            NonMemberPosts = NonMemberPosts.Reject,
            DmarcMitigation = DmarcMitigation.Wrap,
            SubjectTag = "[team]",
            Footer = "-- \nThe team list\n",
            Archive = true,
            Description = "The team",
        }, list.Settings);

        Succeeded(await cli.RunAsync("list", "settings", "team@example.test", "--no-subject-tag", "--no-footer", "--archive", "off"));
        var cleared = (await directory.GetSnapshotAsync(Ct)).FindList("team@example.test")!.Settings;
        Assert.Null(cleared.SubjectTag);
        Assert.Null(cleared.Footer);
        Assert.False(cleared.Archive);

        Refused(await cli.RunAsync("list", "settings", "team@example.test", "--subject-tag", "[x]", "--no-subject-tag"));
        Refused(await cli.RunAsync("list", "settings", "team@example.test", "--dmarc", "quarantine"));
        Refused(await cli.RunAsync("list", "settings", "team@example.test", "--subject-tag", "line\u0001break"));
        Refused(await cli.RunAsync("list", "settings", "nosuch@example.test"));
        Assert.Null((await directory.GetSnapshotAsync(Ct)).FindList("team@example.test")!.Settings.SubjectTag);
    }

    [Fact]
    public async Task Members_show_their_state_and_bounce_score_and_change()
    {
        var (cli, directory, storage) = await CreateAsync();
        Assert.Equal(["ann@remote.test\tenabled", "bob@remote.test\tenabled"], Lines(Succeeded(await cli.RunAsync("list", "members", "team@example.test"))));

        Succeeded(await cli.RunAsync("list", "members", "team@example.test", "add", "cy@remote.test"));
        Succeeded(await cli.RunAsync("list", "members", "team@example.test", "disable", "bob@remote.test"));
        var since = new DateTimeOffset(2026, 11, 20, 8, 30, 0, TimeSpan.Zero);
        await directory.UpdateListAsync("team@example.test", l => l with { Disabled = [.. l.Disabled, new DisabledMember("cy@remote.test", since, DisabledReason.Bounces)] }, Ct);
        var bounces = new ListBounceStore(storage);
        await bounces.RecordAsync("team@example.test", "cy@remote.test", "post-1", since.AddDays(-2), since.AddDays(-30), Ct);
        await bounces.RecordAsync("team@example.test", "cy@remote.test", "post-2", since, since.AddDays(-30), Ct);

        var lines = Lines(Succeeded(await cli.RunAsync("list", "members", "team@example.test")));
        Assert.Equal("ann@remote.test\tenabled", lines[0]);
        Assert.Matches(@"^bob@remote\.test\tdisabled since \d{4}-\d\d-\d\d \d\d:\d\d UTC \(owner\)$", lines[1]);
        Assert.Equal("cy@remote.test\tdisabled since 2026-11-20 08:30 UTC (bounces)\tbounces: 2 post(s), 2026-11-18 08:30 UTC to 2026-11-20 08:30 UTC", lines[2]);

        Succeeded(await cli.RunAsync("list", "members", "team@example.test", "enable", "cy@remote.test"));
        Assert.Null(await bounces.GetAsync("team@example.test", "cy@remote.test", Ct));
        Succeeded(await cli.RunAsync("list", "members", "team@example.test", "remove", "ann@remote.test"));
        var after = Lines(Succeeded(await cli.RunAsync("list", "members", "team@example.test")));
        Assert.Equal(2, after.Length);
        Assert.StartsWith("bob@remote.test\tdisabled since ", after[0], StringComparison.Ordinal);
        Assert.Equal("cy@remote.test\tenabled", after[1]);

        Refused(await cli.RunAsync("list", "members", "team@example.test", "add", "bob@remote.test"));
        Refused(await cli.RunAsync("list", "members", "team@example.test", "remove", "nobody@remote.test"));
        Refused(await cli.RunAsync("list", "members", "team@example.test", "add"));
        Refused(await cli.RunAsync("list", "members", "team@example.test", "evict", "bob@remote.test"));
        Assert.Equal(["bob@remote.test", "cy@remote.test"], (await directory.GetSnapshotAsync(Ct)).FindList("team@example.test")!.Members);
    }

    [Fact]
    public async Task Owners_are_added_shown_and_removed()
    {
        var (cli, directory, _) = await CreateAsync();
        Assert.Empty(Lines(Succeeded(await cli.RunAsync("list", "owners", "team@example.test"))));
        Succeeded(await cli.RunAsync("list", "owners", "team@example.test", "add", "boss@remote.test"));
        Succeeded(await cli.RunAsync("list", "owners", "team@example.test", "add", "deputy@remote.test"));
        Assert.Equal(["boss@remote.test", "deputy@remote.test"], Lines(Succeeded(await cli.RunAsync("list", "owners", "team@example.test"))));
        Succeeded(await cli.RunAsync("list", "owners", "team@example.test", "remove", "boss@remote.test"));
        Refused(await cli.RunAsync("list", "owners", "team@example.test", "remove", "boss@remote.test"));
        Refused(await cli.RunAsync("list", "owners", "team@example.test", "add", "not an address"));
        Assert.Equal(["deputy@remote.test"], (await directory.GetSnapshotAsync(Ct)).FindList("team@example.test")!.Owners);
    }

    private static string Succeeded(CliResult result)
    {
        Assert.True(result.ExitCode == 0, $"exit code {result.ExitCode}: {result.Error}");
        Assert.Equal(string.Empty, result.Error);
        return result.Output;
    }

    private static void Refused(CliResult result)
    {
        Assert.True(result.ExitCode != 0, "exit code 0");
        Assert.NotEqual(string.Empty, result.Error);
    }

    private static string[] Lines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
