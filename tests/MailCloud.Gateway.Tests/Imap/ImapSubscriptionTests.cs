using MailCloud.Testing;

namespace MailCloud.Gateway.Tests.Imap;

/// <summary>
/// SUBSCRIBE, UNSUBSCRIBE, LSUB and LIST (SUBSCRIBED) over subscriptions kept apart from the folders:
/// a subscribed name whose folder was deleted or renamed away is listed \NonExistent (RFC 5258 §3) and
/// stays subscribed (RFC 9051 §6.3.7), as Dovecot 2.3 keeps it.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ImapSubscriptionTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Subscribed_names_whose_folder_is_gone_are_listed_nonexistent_until_unsubscribed()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        foreach (var (tag, command) in new[] { ("c1", "CREATE Lists/Old"), ("s1", "SUBSCRIBE Lists/Old"), ("r", "RENAME Lists/Old Lists/New"), ("c2", "CREATE Gone"), ("s2", "SUBSCRIBE Gone"), ("d", "DELETE Gone") })
        {
            Assert.StartsWith($"{tag} OK", (await client.CommandAsync(tag, command))[^1], StringComparison.Ordinal);
        }

        Assert.Equal(["* LIST (\\NonExistent \\HasNoChildren \\Subscribed) \"/\" \"Gone\"", "a OK LIST completed"], await client.CommandAsync("a", "LIST (SUBSCRIBED) \"\" Gone"));
        Assert.Equal(["* LIST (\\NonExistent \\HasNoChildren \\Subscribed) \"/\" \"Lists/Old\"", "b OK LIST completed"], await client.CommandAsync("b", "LIST (SUBSCRIBED) \"\" Lists/*"));
        Assert.Equal(["* LIST (\\HasNoChildren) \"/\" \"Lists/New\"", "c OK LIST completed"], await client.CommandAsync("c", "LIST \"\" Lists/* RETURN (SUBSCRIBED)"));
        Assert.Equal(Lsub("Archive", "Drafts", "Gone", "INBOX", "Junk", "Lists/Old", "Sent", "Trash", "l"), await client.CommandAsync("l", "LSUB \"\" *"));

        // A folder created again under the name is subscribed already.
        await client.CommandAsync("c3", "CREATE Gone");
        Assert.Equal(["* LIST (\\HasNoChildren \\Subscribed) \"/\" \"Gone\"", "e OK LIST completed"], await client.CommandAsync("e", "LIST \"\" Gone RETURN (SUBSCRIBED)"));
        await client.CommandAsync("d2", "DELETE Gone");

        // UNSUBSCRIBE takes any name, subscribed or not (as Dovecot); SUBSCRIBE only an existing mailbox.
        Assert.Equal(["u1 OK UNSUBSCRIBE completed"], await client.CommandAsync("u1", "UNSUBSCRIBE Gone"));
        Assert.Equal(["u2 OK UNSUBSCRIBE completed"], await client.CommandAsync("u2", "UNSUBSCRIBE Gone"));
        Assert.Equal(["u3 OK UNSUBSCRIBE completed"], await client.CommandAsync("u3", "UNSUBSCRIBE Never"));
        Assert.Equal(["s3 NO [NONEXISTENT] No such mailbox: Never"], await client.CommandAsync("s3", "SUBSCRIBE Never"));
        Assert.Equal(["f OK LIST completed"], await client.CommandAsync("f", "LIST (SUBSCRIBED) \"\" Gone"));
        Assert.Equal(Lsub("Archive", "Drafts", "INBOX", "Junk", "Lists/Old", "Sent", "Trash", "g"), await client.CommandAsync("g", "LSUB \"\" *"));
    }

    /// <summary>The LSUB answer for these names, then the tag (the last argument)'s OK.</summary>
    private static List<string> Lsub(params string[] namesThenTag) =>
        [.. namesThenTag[..^1].Select(n => $"* LSUB () \"/\" \"{n}\""), $"{namesThenTag[^1]} OK LSUB completed"];
}
