using MailCloud.Core.Mailboxes;
using MailCloud.Gateway.Tests.Support;
using MailCloud.Testing;
using MailKit;
using MailKit.Search;
using Microsoft.Extensions.DependencyInjection;

namespace MailCloud.Gateway.Tests.Imap;

/// <summary>THREAD=ORDEREDSUBJECT (RFC 5256 §4) and THREAD=REFERENCES (§3) over a socket; the expected threads are Dovecot 2.3's for the same messages.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ImapThreadTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Orderedsubject_threads_by_base_subject_and_sent_date()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await using var client = await ImapSortTests.ConnectWithMessagesAsync(server);
        Assert.Contains(" THREAD=ORDEREDSUBJECT", (await client.CommandAsync("c", "CAPABILITY"))[0], StringComparison.Ordinal);

        Assert.Equal(["* THREAD (5)(2 (3)(1))(4)(6)", "t1 OK THREAD completed"], await client.CommandAsync("t1", "THREAD ORDEREDSUBJECT UTF-8 ALL"));
        Assert.Equal(["* THREAD (5)(2 (3)(1))(4)(6)", "t2 OK UID THREAD completed"], await client.CommandAsync("t2", "UID THREAD ORDEREDSUBJECT UTF-8 ALL"));
        Assert.Equal(["* THREAD (2 (3)(1))", "t3 OK THREAD completed"], await client.CommandAsync("t3", "THREAD ORDEREDSUBJECT UTF-8 SUBJECT hello"));
        Assert.Equal(["* THREAD (2 3)", "t4 OK THREAD completed"], await client.CommandAsync("t4", "THREAD ORDEREDSUBJECT UTF-8 2:3"));
        Assert.Equal(["* THREAD", "t5 OK THREAD completed"], await client.CommandAsync("t5", "THREAD ORDEREDSUBJECT UTF-8 SUBJECT nomatch"));
        Assert.Equal(["t6 BAD Unknown thread algorithm REFS"], await client.CommandAsync("t6", "THREAD REFS UTF-8 ALL"));
    }

    /// <summary>
    /// Replies by In-Reply-To and by References, a missing parent (a dummy with one child, promoted), two
    /// replies to one missing message (a dummy kept), no Message-ID, a duplicate Message-ID, a forward
    /// gathered by subject, a folded References with In-Reply-To ignored, and a message naming itself.
    /// </summary>
    private static readonly string[] ReferenceMessages =
    [
        "From: a@example.test\r\nMessage-ID: <a@x>\r\nSubject: hello\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\nbody\r\n",
        "From: a@example.test\r\nMessage-ID: <b@x>\r\nIn-Reply-To: <a@x>\r\nSubject: Re: hello\r\nDate: Mon, 1 Jan 2024 11:00:00 +0000\r\n\r\nbody\r\n",
        "From: a@example.test\r\nMessage-ID: <c@x>\r\nReferences: <a@x> <b@x>\r\nSubject: Re: hello\r\nDate: Mon, 1 Jan 2024 13:00:00 +0000\r\n\r\nbody\r\n",
        "From: a@example.test\r\nMessage-ID: <d@x>\r\nReferences: <a@x>\r\nSubject: Re: hello\r\nDate: Mon, 1 Jan 2024 12:00:00 +0000\r\n\r\nbody\r\n",
        "From: a@example.test\r\nMessage-ID: <e@x>\r\nSubject: other\r\nDate: Tue, 2 Jan 2024 10:00:00 +0000\r\n\r\nbody\r\n",
        "From: a@example.test\r\nMessage-ID: <f@x>\r\nReferences: <missing@x>\r\nSubject: Re: other\r\nDate: Tue, 2 Jan 2024 11:00:00 +0000\r\n\r\nbody\r\n",
        "From: a@example.test\r\nMessage-ID: <g@x>\r\nReferences: <zz@x>\r\nSubject: third\r\nDate: Wed, 3 Jan 2024 10:00:00 +0000\r\n\r\nbody\r\n",
        "From: a@example.test\r\nMessage-ID: <h@x>\r\nReferences: <zz@x>\r\nSubject: third\r\nDate: Wed, 3 Jan 2024 09:00:00 +0000\r\n\r\nbody\r\n",
        "From: a@example.test\r\nSubject: lonely\r\nDate: Thu, 4 Jan 2024 10:00:00 +0000\r\n\r\nbody\r\n",
        "From: a@example.test\r\nMessage-ID: <a@x>\r\nSubject: dup\r\nDate: Fri, 5 Jan 2024 10:00:00 +0000\r\n\r\nbody\r\n",
        "From: a@example.test\r\nMessage-ID: <k@x>\r\nSubject: Fwd: hello\r\nDate: Sat, 6 Jan 2024 10:00:00 +0000\r\n\r\nbody\r\n",
        "From: a@example.test\r\nMessage-ID: <m@x>\r\nIn-Reply-To: <x1@x> <x2@x>\r\nReferences: <q@x>\r\n <r@x>\r\nSubject: Re: zed\r\nDate: Sun, 7 Jan 2024 10:00:00 +0000\r\n\r\nbody\r\n",
        "From: a@example.test\r\nMessage-ID: <n@x>\r\nReferences: <q@x>\r\nSubject: zed\r\nDate: Sun, 7 Jan 2024 09:00:00 +0000\r\n\r\nbody\r\n",
        "From: a@example.test\r\nMessage-ID: <o@x>\r\nReferences: <o@x>\r\nSubject: loop\r\nDate: Mon, 8 Jan 2024 09:00:00 +0000\r\n\r\nbody\r\n",
    ];

    [Fact]
    public async Task References_threads_as_dovecot_does_from_the_index_alone()
    {
        CallCounter<IMailboxStore>? calls = null;
        await using var server = await ImapTestServer.StartAsync(azurite, configureServices: s => s.AddSingleton(sp =>
        {
            (var store, calls) = CallCounter<IMailboxStore>.Wrap(ActivatorUtilities.CreateInstance<TableMailboxStore>(sp));
            return store;
        }));
        foreach (var message in ReferenceMessages)
        {
            await server.AppendAsync(message);
        }

        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        Assert.Contains(" THREAD=ORDEREDSUBJECT THREAD=REFERENCES ", (await client.CommandAsync("c", "CAPABILITY"))[0], StringComparison.Ordinal);
        await client.CommandAsync("s", "EXAMINE INBOX");
        var opened = calls!["OpenMessageAsync"];

        Assert.Equal(["* THREAD (1 (2 3)(4)(11))(5 6)((8)(7))(9)(10)((13)(12))(14)", "t1 OK THREAD completed"], await client.CommandAsync("t1", "THREAD REFERENCES US-ASCII ALL"));
        Assert.Equal(["* THREAD (1 (2 3)(4)(11))(5 6)((8)(7))(9)(10)((13)(12))(14)", "t2 OK UID THREAD completed"], await client.CommandAsync("t2", "UID THREAD REFERENCES US-ASCII ALL"));

        // Threads come from the Message-ID, In-Reply-To and References the index captured: no message was opened
        // (a search by SUBJECT reads headers, as SEARCH does).
        Assert.Equal(opened, calls["OpenMessageAsync"]);
        Assert.Equal(["* THREAD (5 6)((8)(7))(9)(10)((13)(12))(14)", "t3 OK THREAD completed"], await client.CommandAsync("t3", "THREAD REFERENCES US-ASCII NOT SUBJECT hello"));
        Assert.Equal(["* THREAD", "t4 OK THREAD completed"], await client.CommandAsync("t4", "THREAD REFERENCES US-ASCII SUBJECT nomatch"));
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
