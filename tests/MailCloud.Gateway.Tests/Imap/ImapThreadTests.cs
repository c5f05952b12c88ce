using MailCloud.Testing;
using MailKit;
using MailKit.Search;

namespace MailCloud.Gateway.Tests.Imap;

/// <summary>THREAD=ORDEREDSUBJECT (RFC 5256 §4) over a socket; the expected threads are Dovecot 2.3's for the same messages.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ImapThreadTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Orderedsubject_threads_by_base_subject_and_sent_date()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await using var client = await ImapSortTests.ConnectWithMessagesAsync(server);
        Assert.Contains(" THREAD=ORDEREDSUBJECT", (await client.CommandAsync("c", "CAPABILITY"))[0], StringComparison.Ordinal);
        Assert.DoesNotContain("THREAD=REFERENCES", (await client.CommandAsync("c", "CAPABILITY"))[0], StringComparison.Ordinal);

        Assert.Equal(["* THREAD (5)(2 (3)(1))(4)(6)", "t1 OK THREAD completed"], await client.CommandAsync("t1", "THREAD ORDEREDSUBJECT UTF-8 ALL"));
        Assert.Equal(["* THREAD (5)(2 (3)(1))(4)(6)", "t2 OK UID THREAD completed"], await client.CommandAsync("t2", "UID THREAD ORDEREDSUBJECT UTF-8 ALL"));
        Assert.Equal(["* THREAD (2 (3)(1))", "t3 OK THREAD completed"], await client.CommandAsync("t3", "THREAD ORDEREDSUBJECT UTF-8 SUBJECT hello"));
        Assert.Equal(["* THREAD (2 3)", "t4 OK THREAD completed"], await client.CommandAsync("t4", "THREAD ORDEREDSUBJECT UTF-8 2:3"));
        Assert.Equal(["* THREAD", "t5 OK THREAD completed"], await client.CommandAsync("t5", "THREAD ORDEREDSUBJECT UTF-8 SUBJECT nomatch"));
        Assert.Equal(["t6 BAD Unknown thread algorithm REFERENCES"], await client.CommandAsync("t6", "THREAD REFERENCES UTF-8 ALL"));
    }

    [Fact]
    public async Task MailKit_threads_on_the_server()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await (await ImapSortTests.ConnectWithMessagesAsync(server)).DisposeAsync();
        using var client = await server.ConnectAsync();
        Assert.Contains(ThreadingAlgorithm.OrderedSubject, client.ThreadingAlgorithms);
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);

        var threads = await client.Inbox.ThreadAsync(ThreadingAlgorithm.OrderedSubject, SearchQuery.All);
        Assert.Equal([5u, 2, 4, 6], threads.Select(t => t.UniqueId?.Id ?? 0));
        Assert.Equal([3u, 1], threads[1].Children.Select(c => c.UniqueId?.Id ?? 0));
        await client.DisconnectAsync(true);
    }
}
