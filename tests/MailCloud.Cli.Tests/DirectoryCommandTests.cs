using MailCloud.Core.Configuration;
using MailCloud.Core.Directory;
using MailCloud.Core.Directory.Passwords;
using MailCloud.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace MailCloud.Cli.Tests;

/// <summary>The directory admin commands, end to end: the real executable against real Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public class DirectoryCommandTests(AzuriteFixture azurite)
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    private Task<(MailCloudProcess Cli, IMailDirectory Directory, StorageClients Storage)> CreateAsync() => CliTestDirectory.CreateAsync(azurite);

    private static void AssertSucceeded(CliResult result)
    {
        Assert.True(result.ExitCode == 0, $"exit code {result.ExitCode}: {result.Error}");
        Assert.Equal(string.Empty, result.Error);
    }

    [Fact]
    public async Task Builds_a_directory_and_lists_it_one_entry_per_line()
    {
        var (cli, directory, _) = await CreateAsync();

        AssertSucceeded(await cli.RunAsync("domain", "add", "example.test"));
        AssertSucceeded(await cli.RunAsync("domain", "add", "other.test", "--catch-all", "postmaster@remote.test"));
        AssertSucceeded(await cli.RunAsync("account", "add", "alice@example.test", "--password", "alice-pw", "--name", "Alice Example", "--quota", "2GiB"));
        AssertSucceeded(await cli.RunWithInputAsync("bob-pw", "account", "add", "bob@example.test", "--password-stdin", "--quota", "500MB"));
        AssertSucceeded(await cli.RunAsync("alias", "add", "sales@example.test", "alice@example.test", "partner@remote.test"));
        AssertSucceeded(await cli.RunAsync("list", "add", "team@example.test", "--member", "alice@example.test", "--member", "bob@example.test", "--policy", "senders", "--sender", "boss@remote.test"));

        Assert.Equal(["example.test", "other.test\tcatch-all=postmaster@remote.test"], Lines((await cli.RunAsync("domain", "list")).Output));
        var accounts = Lines((await cli.RunAsync("account", "list")).Output);
        Assert.Equal(2, accounts.Length);
        Assert.Matches(@"^alice@example\.test\tenabled\t2 GiB\t[0-9a-f]{32}\tAlice Example$", accounts[0]);
        Assert.Matches(@"^bob@example\.test\tenabled\t500000000 B\t[0-9a-f]{32}$", accounts[1]);
        Assert.Equal(["sales@example.test\t→ alice@example.test, partner@remote.test"], Lines((await cli.RunAsync("alias", "list")).Output));
        Assert.Equal(["team@example.test\tpolicy=senders (boss@remote.test)\tmembers: alice@example.test, bob@example.test"], Lines((await cli.RunAsync("list")).Output));

        Assert.NotNull(await directory.AuthenticateAsync("alice@example.test", "alice-pw", Ct));
        Assert.NotNull(await directory.AuthenticateAsync("bob@example.test", "bob-pw", Ct));
    }

    [Fact]
    public async Task Changes_passwords_disables_and_removes()
    {
        var (cli, directory, _) = await CreateAsync();
        await directory.AddDomainAsync("example.test", Ct);
        await directory.AddAccountAsync("alice@example.test", "old-pw", null, null, Ct);
        await directory.AddAliasAsync("sales@example.test", ["alice@example.test"], Ct);

        AssertSucceeded(await cli.RunWithInputAsync("new-pw", "account", "passwd", "alice@example.test", "--password-stdin"));
        AssertSucceeded(await cli.RunAsync("account", "disable", "alice@example.test"));
        Assert.Contains("alice@example.test\tdisabled", (await cli.RunAsync("account", "list")).Output, StringComparison.Ordinal);
        AssertSucceeded(await cli.RunAsync("account", "enable", "alice@example.test"));
        Assert.Null(await directory.AuthenticateAsync("alice@example.test", "old-pw", Ct));
        Assert.NotNull(await directory.AuthenticateAsync("alice@example.test", "new-pw", Ct));

        AssertSucceeded(await cli.RunAsync("alias", "remove", "sales@example.test"));
        AssertSucceeded(await cli.RunAsync("account", "remove", "alice@example.test"));
        AssertSucceeded(await cli.RunAsync("domain", "remove", "example.test"));
        Assert.Equal(string.Empty, (await cli.RunAsync("domain", "list")).Output);
    }

    [Fact]
    public async Task Account_quota_sets_shows_and_removes_the_message_limit()
    {
        var (cli, directory, _) = await CreateAsync();
        await directory.AddDomainAsync("example.test", Ct);
        await directory.AddAccountAsync("alice@example.test", "pw", null, 1L << 30, Ct);

        var set = await cli.RunAsync("account", "quota", "alice@example.test", "--messages", "10000");

        AssertSucceeded(set);
        Assert.Equal(["alice@example.test: quota 1 GiB, 10000 messages."], Lines(set.Output));
        Assert.Matches(@"^alice@example\.test\tenabled\t1 GiB, 10000 messages\t[0-9a-f]{32}$", Assert.Single(Lines((await cli.RunAsync("account", "list")).Output)));
        Assert.Equal(10_000, (await directory.GetSnapshotAsync(Ct)).FindAccount("alice@example.test")!.QuotaMessages);

        // One limit at a time; without options the limits are shown, and nothing is written.
        AssertSucceeded(await cli.RunAsync("account", "quota", "alice@example.test", "--storage", "2GiB"));
        var version = (await directory.GetSnapshotAsync(Ct)).Version;
        Assert.Equal(["alice@example.test: quota 2 GiB, 10000 messages."], Lines((await cli.RunAsync("account", "quota", "alice@example.test")).Output));
        Assert.Equal(version, (await directory.GetSnapshotAsync(Ct)).Version);

        AssertSucceeded(await cli.RunAsync("account", "quota", "alice@example.test", "--messages", "none"));
        var account = (await directory.GetSnapshotAsync(Ct)).FindAccount("alice@example.test")!;
        Assert.Null(account.QuotaMessages);
        Assert.Equal(2L << 30, account.QuotaBytes);
        Assert.Matches(@"^alice@example\.test\tenabled\t2 GiB\t[0-9a-f]{32}$", Assert.Single(Lines((await cli.RunAsync("account", "list")).Output)));
    }

    [Fact]
    public async Task Account_add_without_a_password_prints_a_generated_one_that_works()
    {
        var (cli, directory, _) = await CreateAsync();
        await directory.AddDomainAsync("example.test", Ct);

        var result = await cli.RunAsync("account", "add", "carol@example.test");

        AssertSucceeded(result);
        var line = Assert.Single(Lines(result.Output), l => l.StartsWith("Generated password", StringComparison.Ordinal));
        var password = line[(line.LastIndexOf(' ') + 1)..];
        Assert.True(password.Length >= 16);
        Assert.NotNull(await directory.AuthenticateAsync("carol@example.test", password, Ct));
    }

    [Fact]
    public async Task Help_describes_the_commands()
    {
        var (cli, _, _) = await CreateAsync();

        var result = await cli.RunAsync("account", "add", "--help");

        AssertSucceeded(result);
        Assert.Contains("--password-stdin", result.Output, StringComparison.Ordinal);
        Assert.Contains("--quota", result.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("malformed address", "error: Invalid address", "account", "add", "not-an-address", "--password", "pw")]
    [InlineData("unknown domain", "error: The domain elsewhere.test of eve@elsewhere.test is not hosted", "account", "add", "eve@elsewhere.test", "--password", "pw")]
    [InlineData("duplicate", "error: The address sales@example.test is already used by an alias", "account", "add", "sales@example.test", "--password", "pw")]
    [InlineData("loop", "error: The alias would create a loop", "alias", "add", "alice+x@example.test", "tagged@example.test")]
    [InlineData("empty password", "error: The password is empty", "account", "add", "new@example.test", "--password", "")]
    [InlineData("domain with entries", "error: The domain example.test still has", "domain", "remove", "example.test")]
    [InlineData("missing alias target", "is in a hosted domain but is no account", "alias", "add", "new@example.test", "ghost@example.test")]
    [InlineData("bad quota", "'lots' is not a size", "account", "add", "new@example.test", "--password", "pw", "--quota", "lots")]
    [InlineData("zero message limit", "'0' is not a message limit; use a positive number or 'none'", "account", "quota", "alice@example.test", "--messages", "0")]
    [InlineData("negative message limit", "'-3' is not a message limit", "account", "quota", "alice@example.test", "--messages", "-3")]
    [InlineData("message limit not a number", "'lots' is not a message limit", "account", "quota", "alice@example.test", "--messages", "lots")]
    [InlineData("zero storage", "'0' is not a size", "account", "quota", "alice@example.test", "--storage", "0")]
    [InlineData("quota of an unknown account", "error: There is no account ghost@example.test", "account", "quota", "ghost@example.test", "--messages", "5")]
    [InlineData("both password options", "not both", "account", "add", "new@example.test", "--password", "pw", "--password-stdin")]
    [InlineData("catch-all without target", "Give either an address or --none", "domain", "catch-all", "example.test")]
    [InlineData("list without members", "--member", "list", "add", "new@example.test")]
    [InlineData("unknown policy", "--policy", "list", "add", "new@example.test", "--member", "alice@example.test", "--policy", "nobody")]
    public async Task Bad_input_fails_with_a_message_on_stderr_and_changes_nothing(string reason, string message, params string[] arguments)
    {
        var (cli, directory, storage) = await CreateAsync();
        await directory.AddDomainAsync("example.test", Ct);
        await directory.AddAccountAsync("alice@example.test", "pw", null, null, Ct);
        await directory.AddAliasAsync("sales@example.test", ["alice@example.test"], Ct);
        await directory.AddAliasAsync("tagged@example.test", ["alice+x@example.test"], Ct);
        var before = await StoredVersionAsync(storage);

        var result = await cli.RunAsync(arguments);

        Assert.True(result.ExitCode != 0, $"{reason}: exit code 0");
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Added", result.Output, StringComparison.Ordinal);
        Assert.Equal(before, await StoredVersionAsync(storage));
    }

    private static async Task<Azure.ETag> StoredVersionAsync(StorageClients storage) =>
        (await storage.Directory.GetBlobClient("directory.json").GetPropertiesAsync(cancellationToken: Ct)).Value.ETag;

    private static string[] Lines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
