using MailCloud.Testing;
using MailKit;
using MailKit.Search;

namespace MailCloud.Gateway.Tests.Imap;

/// <summary>SEARCH keys that need message content (RFC 9051 §6.4.4): header keys read only the header of large messages, body keys the whole message.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ImapSearchContentTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Header_and_body_keys_find_the_right_messages_small_and_large()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        // The large message's distinctive body text lies far beyond the first 64 KB.
        var filler = string.Concat(Enumerable.Repeat("filler line of an attachment-sized body\r\n", 4000));
        var small = await server.AppendAsync("From: Ann <ann@example.test>\r\nSubject: quarterly report\r\n\r\nsmall body\r\n");
        var large = await server.AppendAsync($"From: Ben <ben@example.test>\r\nSubject: holiday photos\r\n\r\n{filler}the needle at the end\r\n");
        await server.AppendAsync("From: Cy <cy@example.test>\r\nSubject: lunch\r\n\r\nnothing to see\r\n");

        using var client = await server.ConnectAsync();
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);

        Assert.Equal([large], (await client.Inbox.SearchAsync(SearchQuery.SubjectContains("HOLIDAY"))).Select(u => u.Id));
        Assert.Equal([large], (await client.Inbox.SearchAsync(SearchQuery.FromContains("ben@"))).Select(u => u.Id));
        Assert.Equal([small], (await client.Inbox.SearchAsync(SearchQuery.SubjectContains("report").And(SearchQuery.FromContains("Ann")))).Select(u => u.Id));
        Assert.Equal([large], (await client.Inbox.SearchAsync(SearchQuery.BodyContains("the needle"))).Select(u => u.Id));
        Assert.Empty(await client.Inbox.SearchAsync(SearchQuery.SubjectContains("the needle")));
        await client.DisconnectAsync(true);
    }
}
