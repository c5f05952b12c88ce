using MailCloud.Core.Configuration;
using MailCloud.Core.Sieve;
using MailCloud.Core.Sieve.Scripts;
using MailCloud.Testing;
using Microsoft.Extensions.Options;

namespace MailCloud.Cli.Tests;

/// <summary><c>mailcloud sieve</c>, end to end: the real executable against real Azurite, read back through the store delivery uses.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class SieveCommandTests(AzuriteFixture azurite) : IDisposable
{
    private const string Account = "alice@example.test";
    private const string Filter = "require \"fileinto\";\nif header :contains \"subject\" \"[list]\" { fileinto \"Lists\"; }\n";
    private static readonly CancellationToken Ct = CancellationToken.None;

    private readonly string _scratch = System.IO.Directory.CreateTempSubdirectory("mailcloud-sieve-cli-").FullName;

    public void Dispose() => System.IO.Directory.Delete(_scratch, recursive: true);

    private async Task<(MailCloudProcess Cli, BlobSieveScriptStore Store, string AccountId)> CreateAsync()
    {
        var options = azurite.CreateStorageOptions();
        var storage = new StorageClients(Options.Create(options));
        await storage.EnsureContainersAsync(Ct);
        var cli = new MailCloudProcess(options);
        Succeeded(await cli.RunAsync("domain", "add", "example.test"));
        Succeeded(await cli.RunAsync("account", "add", Account, "--password", "alice-pw"));
        var id = Lines((await cli.RunAsync("account", "list")).Output).Single().Split('\t')[3];
        return (cli, new BlobSieveScriptStore(storage, Options.Create(new SieveScriptOptions()), TimeProvider.System), id);
    }

    private string WriteFile(string name, string content)
    {
        var path = Path.Combine(_scratch, name);
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public async Task Puts_activates_lists_gets_and_deletes_a_script()
    {
        var (cli, store, id) = await CreateAsync();

        Succeeded(await cli.RunAsync("sieve", "put", Account, "filter", WriteFile("filter.sieve", Filter), "--activate"));
        Succeeded(await cli.RunWithInputAsync("keep;", "sieve", "put", Account, "spare"));

        Assert.Equal(["filter\tactive", "spare"], Lines((await cli.RunAsync("sieve", "list", Account)).Output).Order(StringComparer.Ordinal));
        Assert.Equal(Filter, (await cli.RunAsync("sieve", "get", Account, "filter")).Output);
        Assert.Equal(new SieveScript("filter", Filter), await store.GetActiveAsync(id, Ct));

        // RFC 5804 §2.10: the active script cannot be deleted; deactivating first lets it go.
        var refused = await cli.RunAsync("sieve", "delete", Account, "filter");
        Assert.Equal(1, refused.ExitCode);
        Assert.NotNull(await store.GetAsync(id, "filter", Ct));
        Succeeded(await cli.RunAsync("sieve", "activate", Account, "--none"));
        Assert.Null(await store.GetActiveAsync(id, Ct));
        Succeeded(await cli.RunAsync("sieve", "delete", Account, "filter"));
        Assert.Equal(["spare"], Lines((await cli.RunAsync("sieve", "list", Account)).Output));
    }

    [Fact]
    public async Task Refuses_a_script_that_does_not_compile_with_its_line_and_column_and_keeps_the_stored_one()
    {
        var (cli, store, id) = await CreateAsync();
        Succeeded(await cli.RunAsync("sieve", "put", Account, "filter", WriteFile("filter.sieve", Filter), "--activate"));

        var broken = WriteFile("broken.sieve", "keep;\nfrobnicate;\n");
        var put = await cli.RunAsync("sieve", "put", Account, "filter", broken);
        Assert.Equal(1, put.ExitCode);
        Assert.Contains("line 2, column 1", put.Error, StringComparison.Ordinal);
        Assert.Equal(new SieveScript("filter", Filter), await store.GetActiveAsync(id, Ct));
        Assert.Null(await store.GetPreviousAsync(id, "filter", Ct));

        var check = await cli.RunAsync("sieve", "check", Account, broken);
        Assert.Equal(1, check.ExitCode);
        Assert.Contains("line 2, column 1", check.Error, StringComparison.Ordinal);
        Succeeded(await cli.RunAsync("sieve", "check", Account, WriteFile("good.sieve", Filter)));
        Assert.Equal(["filter: compiles."], Lines((await cli.RunAsync("sieve", "check", Account)).Output));
    }

    [Fact]
    public async Task Refuses_unknown_accounts_scripts_and_contradictory_activation()
    {
        var (cli, _, _) = await CreateAsync();

        Assert.Equal(1, (await cli.RunAsync("sieve", "list", "nobody@example.test")).ExitCode);
        Assert.Equal(1, (await cli.RunAsync("sieve", "get", Account, "missing")).ExitCode);
        Assert.Equal(1, (await cli.RunAsync("sieve", "activate", Account, "missing")).ExitCode);
        Assert.Equal(1, (await cli.RunAsync("sieve", "activate", Account)).ExitCode);
        Assert.Equal(1, (await cli.RunAsync("sieve", "put", Account, "bad\tname", WriteFile("k.sieve", "keep;"))).ExitCode);
        Assert.Empty(Lines((await cli.RunAsync("sieve", "list", Account)).Output));
    }

    private static void Succeeded(CliResult result) => Assert.True(result.ExitCode == 0, $"exit code {result.ExitCode}: {result.Error}");

    private static string[] Lines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
