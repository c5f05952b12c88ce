using MailCloud.Testing;

namespace MailCloud.Gateway.Tests.Imap;

/// <summary>
/// FETCH ENVELOPE alone is answered from the gateway's header cache, ENVELOPE with BODYSTRUCTURE
/// from the fully parsed message (RFC 9051 §7.5.2): both must give the same bytes.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ImapFetchEnvelopeTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Envelope_from_the_header_alone_matches_the_envelope_of_the_parsed_message()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await server.AppendAsync(TestMessages.Multipart);
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        await client.CommandAsync("s", "SELECT INBOX");

        var alone = (await client.CommandAsync("f1", "FETCH 1 (ENVELOPE)"))[0];
        var withStructure = (await client.CommandAsync("f2", "FETCH 1 (ENVELOPE BODYSTRUCTURE)"))[0];

        Assert.StartsWith("* 1 FETCH (ENVELOPE (\"Tue, 10 Mar 2026 09:15:00 +0100\"", alone, StringComparison.Ordinal);
        var envelope = alone["* 1 FETCH (".Length..^1];
        Assert.StartsWith(envelope + " BODYSTRUCTURE (", withStructure["* 1 FETCH (".Length..], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Envelope_of_an_expunged_message_is_not_answered()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await server.AppendAsync(TestMessages.Simple("gone soon"));
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        await client.CommandAsync("s", "SELECT INBOX");

        // Another session expunges it; this one still has it in its sequence map until told.
        var uid = Assert.Single((await server.Store.GetSnapshotAsync(server.AccountId, "INBOX", CancellationToken.None)).Messages).Uid;
        await server.Store.StoreFlagsAsync(server.AccountId, "INBOX", [uid], Core.Mailboxes.FlagChangeMode.Add, new Core.Mailboxes.MessageFlags(Core.Mailboxes.SystemFlags.Deleted, new HashSet<string>()), null, CancellationToken.None);
        await server.Store.ExpungeAsync(server.AccountId, "INBOX", null, CancellationToken.None);

        var response = await client.CommandAsync("f", "UID FETCH 1:* (ENVELOPE)");
        Assert.DoesNotContain(response, line => line.Contains("ENVELOPE", StringComparison.Ordinal));
        Assert.StartsWith("f OK", response[^1], StringComparison.Ordinal);
    }
}
