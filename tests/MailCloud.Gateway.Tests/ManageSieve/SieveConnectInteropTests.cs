using System.Diagnostics;
using System.Globalization;
using MailCloud.Core.Directory;
using MailCloud.Core.Sieve;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.ManageSieve;
using MailCloud.Gateway.Tests.Support;
using MailCloud.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MailCloud.Gateway.Tests.ManageSieve;

/// <summary>
/// A real ManageSieve client, Debian's <c>sieve-connect</c>, against the gateway on Azurite: STARTTLS (the test
/// certificate is self-signed, hence <c>--notlsverify</c>), AUTHENTICATE PLAIN, and the script commands.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class SieveConnectInteropTests(AzuriteFixture azurite) : IAsyncLifetime, IDisposable
{
    private const string User = "dave@example.test";
    private const string Password = "sieve connect pw";
    private const string Script = "require [\"fileinto\", \"imap4flags\"];\r\nif header :contains \"subject\" \"[ci]\" { fileinto :flags \"\\\\Seen\" \"CI\"; }\r\n";

    private readonly string _scratch = System.IO.Directory.CreateTempSubdirectory("mailcloud-sieve-connect-").FullName;
    private GatewayTestHost? _host;
    private string _accountId = "";

    private GatewayTestHost Host => _host ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        _host = await GatewayTestHost.StartAsync(azurite, configureServices: s => s.AddManageSieve());
        await Host.SeedDirectoryAsync((User, Password));
        _accountId = (await Host.Services.GetRequiredService<IMailDirectory>().AuthenticateAsync(User, Password, CancellationToken.None))!.Id;
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    public void Dispose() => System.IO.Directory.Delete(_scratch, recursive: true);

    [Fact]
    public async Task Sieve_connect_uploads_lists_activates_downloads_and_deletes_a_script()
    {
        var local = Path.Combine(_scratch, "filter.sieve");
        await File.WriteAllTextAsync(local, Script);
        var store = Host.Services.GetRequiredService<ISieveScriptStore>();

        await SieveConnectAsync("--upload", "--localsieve", local, "--remotesieve", "filter");
        Assert.Equal(new SieveScript("filter", Script), await store.GetAsync(_accountId, "filter", CancellationToken.None));

        await SieveConnectAsync("--activate", "--remotesieve", "filter");
        Assert.Equal("filter", (await store.GetActiveAsync(_accountId, CancellationToken.None))?.Name);
        Assert.Contains("filter", await SieveConnectAsync("--list"));

        var downloaded = Path.Combine(_scratch, "downloaded.sieve");
        await SieveConnectAsync("--download", "--remotesieve", "filter", "--localsieve", downloaded);
        Assert.Equal(Script, await File.ReadAllTextAsync(downloaded));

        await SieveConnectAsync("--deactivate");
        await SieveConnectAsync("--delete", "--remotesieve", "filter");
        Assert.Empty(await store.ListAsync(_accountId, CancellationToken.None));
    }

    [Fact]
    public async Task Sieve_connect_reports_a_script_that_does_not_compile_and_nothing_is_stored()
    {
        var local = Path.Combine(_scratch, "broken.sieve");
        await File.WriteAllTextAsync(local, "keep;\r\nfrobnicate;\r\n");

        var (exitCode, output) = await RunSieveConnectAsync("--upload", "--localsieve", local, "--remotesieve", "broken");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("line 2, column 1", output, StringComparison.Ordinal);
        Assert.Empty(await Host.Services.GetRequiredService<ISieveScriptStore>().ListAsync(_accountId, CancellationToken.None));
    }

    private async Task<string> SieveConnectAsync(params string[] action)
    {
        var (exitCode, output) = await RunSieveConnectAsync(action);
        Assert.True(exitCode == 0, $"sieve-connect {string.Join(' ', action)} exited {exitCode}: {output}");
        return output;
    }

    private async Task<(int ExitCode, string Output)> RunSieveConnectAsync(params string[] action)
    {
        var start = new ProcessStartInfo(await Peers.RequireAsync("sieve-connect"))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[]
        {
            "--server", "127.0.0.1", "--port", Host.Port(ListenerNames.ManageSieve).ToString(CultureInfo.InvariantCulture),
            "--user", User, "--passwordfd", "0", "--authmech", "PLAIN", "--notlsverify",
        }.Concat(action))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("sieve-connect did not start");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.StandardInput.WriteLineAsync(Password);
        process.StandardInput.Close();
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }
}
