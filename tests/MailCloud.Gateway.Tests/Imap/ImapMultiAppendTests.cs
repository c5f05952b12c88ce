using System.Text;
using MailCloud.Testing;
using MailKit;
using MailKit.Net.Imap;
using MimeKit;

namespace MailCloud.Gateway.Tests.Imap;

/// <summary>MULTIAPPEND (RFC 3502): several messages in one APPEND, stored all or none, with one APPENDUID (RFC 4315 §3).</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ImapMultiAppendTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task The_messages_of_one_append_get_consecutive_uids_flags_and_dates()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await server.AppendAsync(TestMessages.Simple("already there"));
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        Assert.Contains(" MULTIAPPEND ", (await client.CommandAsync("c", "CAPABILITY"))[0], StringComparison.Ordinal);
        var uidValidity = await UidValidityAsync(client);
        var one = TestMessages.Simple("one");
        var two = TestMessages.Simple("two", body: "Second.");
        var three = TestMessages.Simple("three", body: "Third.");

        Assert.Equal(
            [$"a OK [APPENDUID {uidValidity} 2:4] APPEND completed"],
            await SendAsync(client, "a", "INBOX", ("(\\Seen) \"05-Mar-2026 08:00:00 +0100\"", one), ("(\\Flagged \\Draft)", two), ("", three)));

        await client.CommandAsync("e", "ENABLE IMAP4rev2");
        await client.CommandAsync("s", "SELECT INBOX");
        var fetched = await client.CommandAsync("f", "FETCH 2:4 (FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
        Assert.Equal($"* 2 FETCH (FLAGS (\\Seen) INTERNALDATE \"05-Mar-2026 08:00:00 +0100\" RFC822.SIZE {one.Length} BODY[HEADER.FIELDS (SUBJECT)] {{16}}", fetched[0]);
        Assert.Equal("Subject: one", fetched[1]);
        Assert.StartsWith($"* 3 FETCH (FLAGS (\\Flagged \\Draft) INTERNALDATE ", fetched[4], StringComparison.Ordinal);
        Assert.Equal("Subject: two", fetched[5]);
        Assert.StartsWith($"* 4 FETCH (FLAGS () INTERNALDATE ", fetched[8], StringComparison.Ordinal);
        Assert.Equal("Subject: three", fetched[9]);
        Assert.Equal("f OK FETCH completed", fetched[^1]);
    }

    [Fact]
    public async Task Synchronizing_literals_are_asked_for_one_by_one()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        var uidValidity = await UidValidityAsync(client);
        var one = TestMessages.Simple("one");
        var two = TestMessages.Simple("two");

        await client.SendAsync($"a APPEND INBOX {{{one.Length}}}\r\n");
        Assert.Equal("+ Ready for literal data", await client.ReadLineAsync());
        await client.SendAsync($"{one} (\\Seen) {{{two.Length}}}\r\n");
        Assert.Equal("+ Ready for literal data", await client.ReadLineAsync());
        await client.SendAsync(two + "\r\n");
        Assert.Equal([$"a OK [APPENDUID {uidValidity} 1:2] APPEND completed"], await client.ReadUntilTaggedAsync("a"));
        Assert.Equal("* STATUS \"INBOX\" (MESSAGES 2 UNSEEN 1)", (await client.CommandAsync("st", "STATUS INBOX (MESSAGES UNSEEN)"))[0]);
    }

    [Fact]
    public async Task A_third_message_over_quota_stores_none()
    {
        await using var server = await ImapTestServer.StartAsync(azurite, quotaBytes: 8 * 1024);
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();

        // 3 + 3 KiB fit the 8 KiB, the third's 3,000 octets do not: RFC 3502 §6 keeps none of them, and the QUOTA response shows nothing was used.
        Assert.Equal(
            ["* QUOTA \"\" (STORAGE 0 8)", "a NO [OVERQUOTA] Quota exceeded"],
            await SendAsync(client, "a", "INBOX", ("", TestMessages.OfSize(3 * 1024)), ("", TestMessages.OfSize(3 * 1024)), ("", TestMessages.OfSize(3000))));
        Assert.Equal("* STATUS \"INBOX\" (MESSAGES 0 UIDNEXT 1)", (await client.CommandAsync("st", "STATUS INBOX (MESSAGES UIDNEXT)"))[0]);
        Assert.Equal(0, (await server.Store.GetQuotaUsageAsync(server.AccountId, CancellationToken.None)).UsedBytes);
    }

    [Fact]
    public async Task A_malformed_third_message_stores_none()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        var message = TestMessages.Simple("one");

        Assert.Equal(
            ["a BAD Flag \\Bogus cannot be set"],
            await SendAsync(client, "a", "INBOX", ("", message), ("(\\Seen)", message), ("(\\Bogus)", message)));
        Assert.Equal(
            ["b BAD Invalid date-time"],
            await SendAsync(client, "b", "INBOX", ("", message), ("", message), ("\"31-Foo-2026 08:00:00 +0000\"", message)));
        Assert.Equal(["c NO Empty message"], await SendAsync(client, "c", "INBOX", ("", message), ("", message), ("", "")));
        Assert.Equal(["d NO [TRYCREATE] Mailbox does not exist"], await SendAsync(client, "d", "Nowhere", ("", message), ("", message)));
        Assert.Equal("* STATUS \"INBOX\" (MESSAGES 0 UIDNEXT 1)", (await client.CommandAsync("st", "STATUS INBOX (MESSAGES UIDNEXT)"))[0]);
    }

    [Fact]
    public async Task One_append_takes_at_most_48_messages()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        var uidValidity = await UidValidityAsync(client);
        var message = TestMessages.Simple("many");

        // RFC 5530 §3 LIMIT: all rows go into one entity group transaction.
        Assert.Equal(
            ["a NO [LIMIT] APPEND takes at most 48 messages"],
            await SendAsync(client, "a", "INBOX", [.. Enumerable.Repeat(("", message), 49)]));
        Assert.Equal(
            [$"b OK [APPENDUID {uidValidity} 1:48] APPEND completed"],
            await SendAsync(client, "b", "INBOX", [.. Enumerable.Repeat(("", message), 48)]));
        Assert.Equal("* STATUS \"INBOX\" (MESSAGES 48)", (await client.CommandAsync("st", "STATUS INBOX (MESSAGES)"))[0]);
    }

    [Fact]
    public async Task MailKit_appends_a_list_in_one_command()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        using var client = await server.ConnectAsync();
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.MultiAppend));
        var requests = new List<IAppendRequest>();
        foreach (var subject in new[] { "one", "two", "three" })
        {
            requests.Add(new AppendRequest(MimeMessage.Load(TestMessages.Stream(TestMessages.Simple(subject))), MessageFlags.Seen));
        }

        var uids = await client.Inbox.AppendAsync(requests);

        Assert.Equal([1u, 2u, 3u], uids.Select(u => u.Id));
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
        var summaries = await client.Inbox.FetchAsync(0, -1, MessageSummaryItems.Envelope | MessageSummaryItems.Flags);
        Assert.Equal(["one", "two", "three"], summaries.Select(s => s.Envelope!.Subject));
        Assert.All(summaries, s => Assert.True(s.Flags!.Value.HasFlag(MessageFlags.Seen)));
        await client.DisconnectAsync(true);
    }

    /// <summary>Sends one APPEND of <paramref name="messages"/> (each with its flags and date text) in non-synchronizing literals.</summary>
    private static async Task<List<string>> SendAsync(ImapRawClient client, string tag, string folder, params (string Options, string Message)[] messages)
    {
        var command = new StringBuilder($"{tag} APPEND {folder}");
        foreach (var (options, message) in messages)
        {
            command.Append(' ').Append(options).Append(options.Length > 0 ? " " : "").Append('{').Append(Encoding.UTF8.GetByteCount(message)).Append("+}\r\n").Append(message);
        }

        await client.SendAsync(command.Append("\r\n").ToString());
        return await client.ReadUntilTaggedAsync(tag);
    }

    private static async Task<uint> UidValidityAsync(ImapRawClient client)
    {
        var status = (await client.CommandAsync("v", "STATUS INBOX (UIDVALIDITY)"))[0];
        return uint.Parse(status["* STATUS \"INBOX\" (UIDVALIDITY ".Length..^1], System.Globalization.CultureInfo.InvariantCulture);
    }
}
