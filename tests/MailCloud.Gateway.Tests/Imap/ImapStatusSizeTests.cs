using MailCloud.Testing;

namespace MailCloud.Gateway.Tests.Imap;

/// <summary>STATUS=SIZE (RFC 8438): the folder's total size in octets, from its folder row, in STATUS and LIST-STATUS.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ImapStatusSizeTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Status_size_is_the_sum_of_the_message_sizes()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        var one = TestMessages.Simple("one");
        var two = TestMessages.Simple("two", body: "A longer body.");
        await server.AppendAsync(one);
        await server.AppendAsync(two);
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        var total = one.Length + two.Length;

        Assert.Contains(" STATUS=SIZE", (await client.CommandAsync("c", "CAPABILITY"))[0], StringComparison.Ordinal);
        Assert.Equal([$"* STATUS \"INBOX\" (MESSAGES 2 SIZE {total})", "s OK STATUS completed"], await client.CommandAsync("s", "STATUS INBOX (MESSAGES SIZE)"));
        Assert.Equal(["* STATUS \"Drafts\" (SIZE 0)", "d OK STATUS completed"], await client.CommandAsync("d", "STATUS Drafts (SIZE)"));
        Assert.Equal(
            ["* LIST (\\HasNoChildren) \"/\" \"INBOX\"", $"* STATUS \"INBOX\" (SIZE {total})", "l OK LIST completed"],
            await client.CommandAsync("l", "LIST \"\" INBOX RETURN (STATUS (SIZE))"));

        // Expunging a message takes its octets out of the folder row.
        await client.CommandAsync("sel", "SELECT INBOX");
        await client.CommandAsync("st", "STORE 1 +FLAGS.SILENT (\\Deleted)");
        await client.CommandAsync("x", "EXPUNGE");
        Assert.Equal([$"* STATUS \"INBOX\" (SIZE {two.Length})", "s2 OK STATUS completed"], await client.CommandAsync("s2", "STATUS INBOX (SIZE)"));
    }
}
