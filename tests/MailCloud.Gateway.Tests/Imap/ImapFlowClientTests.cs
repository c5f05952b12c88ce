using System.Globalization;
using MailCloud.Testing;

namespace MailCloud.Gateway.Tests.Imap;

/// <summary>A third, independent client: the npm imapflow library (STARTTLS, CONDSTORE, IDLE, MOVE, UIDPLUS).</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ImapFlowClientTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Imapflow_lists_appends_fetches_searches_flags_idles_moves_and_deletes()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        var script = Path.Combine(TestEnvironment.RepositoryRoot, "tests", "MailCloud.Gateway.Tests", "Imap", "imapflow_session.mjs");

        var (exitCode, output) = await Processes.RunAsync("node", [script, server.Port.ToString(CultureInfo.InvariantCulture), ImapTestServer.User, ImapTestServer.Password]);

        Assert.True(exitCode == 0, output);
        Assert.Contains("imapflow session ok", output, StringComparison.Ordinal);
        var folders = await server.Store.ListFoldersAsync(server.AccountId, CancellationToken.None);
        Assert.Contains(folders, f => f.Name == "Reisen/Übersee");
    }
}
