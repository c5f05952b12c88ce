using MailCloud.Gateway.Tests.Support;
using MailCloud.Testing;

namespace MailCloud.Gateway.Tests.Imap;

/// <summary>A second, independent client: Python's imaplib, an IMAP4rev1 client using modified UTF-7 names.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ImapPythonClientTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Imaplib_logs_in_lists_fetches_binary_searches_stores_copies_and_expunges()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await server.AppendAsync(TestMessages.Multipart);
        var script = Path.Combine(TestEnvironment.RepositoryRoot, "tests", "MailCloud.Gateway.Tests", "Imap", "imaplib_session.py");

        var (exitCode, output) = await Peers.RunAsync("python3", [script, server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), ImapTestServer.User, ImapTestServer.Password]);

        Assert.True(exitCode == 0, output);
        Assert.Contains("imaplib session ok", output, StringComparison.Ordinal);
        var folders = await server.Store.ListFoldersAsync(server.AccountId, CancellationToken.None);
        Assert.Contains(folders, f => f.Name == "Entwürfe");
    }
}
