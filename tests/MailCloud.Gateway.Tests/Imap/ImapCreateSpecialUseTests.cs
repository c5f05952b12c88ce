using MailCloud.Testing;
using MailKit;

namespace MailCloud.Gateway.Tests.Imap;

/// <summary>CREATE-SPECIAL-USE (RFC 6154 §3): CREATE with USE, refused uses, and the attribute in LIST.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ImapCreateSpecialUseTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Create_with_use_lists_the_attribute_and_refuses_uses_it_cannot_keep()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        Assert.Contains(" CREATE-SPECIAL-USE", (await client.CommandAsync("c", "CAPABILITY"))[0], StringComparison.Ordinal);

        Assert.StartsWith("c1 OK [MAILBOXID (", Assert.Single(await client.CommandAsync("c1", "CREATE MyDrafts (USE (\\Drafts))")), StringComparison.Ordinal);
        Assert.Equal(["* LIST (\\HasNoChildren \\Drafts) \"/\" \"MyDrafts\"", "l1 OK LIST completed"], await client.CommandAsync("l1", "LIST \"\" MyDrafts"));
        Assert.Contains("* LIST (\\HasNoChildren \\Drafts) \"/\" \"MyDrafts\"", await client.CommandAsync("l2", "LIST (SPECIAL-USE) \"\" *"));

        // The use belongs to the named mailbox, not to the superiors CREATE makes on the way.
        await client.CommandAsync("c2", "CREATE Old/Mail (USE (\\archive))");
        Assert.Equal(
            ["* LIST (\\HasChildren) \"/\" \"Old\"", "* LIST (\\HasNoChildren \\Archive) \"/\" \"Old/Mail\"", "l3 OK LIST completed"],
            await client.CommandAsync("l3", "LIST \"\" Old*"));

        // RFC 6154 §3: NO [USEATTR] for a use the server cannot give, and no mailbox.
        Assert.Equal(["c3 NO [USEATTR] Unsupported special-use attribute"], await client.CommandAsync("c3", "CREATE Stars (USE (\\Flagged))"));
        Assert.Equal(["c4 NO [USEATTR] Unsupported special-use attribute"], await client.CommandAsync("c4", "CREATE Both (USE (\\Sent \\Drafts))"));
        Assert.Equal(["c5 NO [USEATTR] Unsupported special-use attribute"], await client.CommandAsync("c5", "CREATE Odd (USE (\\Important))"));
        Assert.Equal(["l4 OK LIST completed"], await client.CommandAsync("l4", "LIST \"\" (Stars Both Odd)"));

        Assert.StartsWith("c6 OK", Assert.Single(await client.CommandAsync("c6", "CREATE Plain (USE ())")), StringComparison.Ordinal);
        Assert.Equal(["* LIST (\\HasNoChildren) \"/\" \"Plain\"", "l5 OK LIST completed"], await client.CommandAsync("l5", "LIST \"\" Plain"));
        Assert.Equal(["c7 BAD Unknown CREATE parameter"], await client.CommandAsync("c7", "CREATE Other (COLOR (red))"));
    }

    [Fact]
    public async Task MailKit_creates_a_special_use_folder()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        using var client = await server.ConnectAsync();
        Assert.True(client.Capabilities.HasFlag(MailKit.Net.Imap.ImapCapabilities.CreateSpecialUse));

        var personal = client.GetFolder(client.PersonalNamespaces[0]);
        var created = await personal.CreateAsync("Outbox-Sent", [SpecialFolder.Sent]);
        var listed = Assert.Single(await personal.GetSubfoldersAsync(StatusItems.None, subscribedOnly: false), f => f.Name == "Outbox-Sent");
        Assert.True(listed.Attributes.HasFlag(FolderAttributes.Sent), listed.Attributes.ToString());
        Assert.Equal("Outbox-Sent", created?.FullName);
        await client.DisconnectAsync(true);
    }
}
