using MailCloud.Core.Mailboxes;
using MailCloud.Testing;

namespace MailCloud.Gateway.Tests.Imap;

/// <summary>
/// The behaviours of issue 10's compliance table, each over a socket with the exact responses;
/// where the answer is Dovecot 2.3's, the test says so.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ImapComplianceTests(AzuriteFixture azurite)
{
    private static readonly MessageFlags Deleted = new(SystemFlags.Deleted, new HashSet<string>());

    [Fact]
    public async Task Check_is_a_selected_state_command_that_reports_expunges_like_noop()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        var uid = await server.AppendAsync(TestMessages.Simple("one"));
        await server.AppendAsync(TestMessages.Simple("two"));
        await using var client = await OpenAsync(server, null);

        // RFC 3501 §6.4.1: only in the selected state (Dovecot: "BAD No mailbox selected").
        Assert.Equal(["c1 BAD CHECK is not valid in this state"], await client.CommandAsync("c1", "CHECK"));
        await client.CommandAsync("s", "SELECT INBOX");

        // Another process expunges the first message; CHECK reports it at once, as NOOP would.
        var other = server.CreateOtherStore();
        await other.StoreFlagsAsync(server.AccountId, "INBOX", [uid], FlagChangeMode.Add, Deleted, null, CancellationToken.None);
        await other.ExpungeAsync(server.AccountId, "INBOX", null, CancellationToken.None);
        Assert.Equal(["* 1 EXPUNGE", "c2 OK CHECK completed"], await client.CommandAsync("c2", "CHECK"));
    }

    [Fact]
    public async Task A_message_expunged_by_close_in_another_session_is_reported_by_noop()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await server.AppendAsync(TestMessages.Simple("one"));
        await server.AppendAsync(TestMessages.Simple("two"), flags: SystemFlags.Deleted);
        await using var watching = await OpenAsync(server, "SELECT INBOX");
        await using var closing = await OpenAsync(server, "SELECT INBOX");

        // RFC 3501 §7.4.1, §6.4.2: CLOSE expunges silently; the other session hears of it on its next NOOP.
        Assert.Equal(["c OK CLOSE completed"], await closing.CommandAsync("c", "CLOSE"));
        Assert.Equal(["* 2 EXPUNGE", "n OK NOOP completed"], await watching.CommandAsync("n", "NOOP"));
    }

    [Fact]
    public async Task Uid_search_takes_every_nz_number_up_to_the_largest_32_bit_value()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await server.AppendAsync(TestMessages.Simple("one"));
        await using var client = await OpenAsync(server, "SELECT INBOX");

        // RFC 9051 §9 nz-number; Dovecot: "* SEARCH 1", and an empty UID FETCH of 4294967295.
        Assert.Equal(["* SEARCH 1", "u1 OK UID SEARCH completed"], await client.CommandAsync("u1", "UID SEARCH UID 1:4294967295"));
        Assert.Equal(["u2 OK UID FETCH completed"], await client.CommandAsync("u2", "UID FETCH 4294967295 UID"));
        Assert.Equal(["* 1 FETCH (UID 1)", "u3 OK UID FETCH completed"], await client.CommandAsync("u3", "UID FETCH 4294967295:1 UID"));
        Assert.StartsWith("u4 BAD", (await client.CommandAsync("u4", "UID SEARCH UID 1:4294967296"))[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tilde_starts_an_atom_unless_a_literal_follows_it()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await using var client = await OpenAsync(server, null);

        // RFC 3516 §4.1: only "~{" is a literal8; "~foo" is an atom (Dovecot lists nothing and says OK).
        Assert.Equal(["l OK LIST completed"], await client.CommandAsync("l", "LIST \"\" ~foo"));
        Assert.Matches(@"^c OK \[MAILBOXID \(F[0-9a-f]{32}\)\] CREATE completed$", Assert.Single(await client.CommandAsync("c", "CREATE ~foo")));
        Assert.Equal(["* LIST (\\HasNoChildren) \"/\" \"~foo\"", "l2 OK LIST completed"], await client.CommandAsync("l2", "LIST \"\" ~foo"));
    }

    [Fact]
    public async Task Envelope_sender_and_reply_to_default_to_from()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await server.AppendAsync("From: Ann <ann@example.com>\r\nSubject: one\r\nTo: bob@x.com\r\n\r\nHello.\r\n");
        await server.AppendAsync("From: Ann <ann@example.com>\r\nSender:\r\nReply-To: \r\nSubject: two\r\n\r\nHello.\r\n");
        await using var client = await OpenAsync(server, "SELECT INBOX");

        // RFC 3501 §7.4.2; Dovecot's answer for the same message.
        const string Expected = "* 1 FETCH (ENVELOPE (NIL \"one\" ((\"Ann\" NIL \"ann\" \"example.com\")) ((\"Ann\" NIL \"ann\" \"example.com\")) ((\"Ann\" NIL \"ann\" \"example.com\")) ((NIL NIL \"bob\" \"x.com\")) NIL NIL NIL NIL))";
        Assert.Equal([Expected, "f1 OK FETCH completed"], await client.CommandAsync("f1", "FETCH 1 ENVELOPE"));

        // Present but empty counts as absent (Dovecot's answer again).
        Assert.Equal(
            ["* 2 FETCH (ENVELOPE (NIL \"two\" ((\"Ann\" NIL \"ann\" \"example.com\")) ((\"Ann\" NIL \"ann\" \"example.com\")) ((\"Ann\" NIL \"ann\" \"example.com\")) NIL NIL NIL NIL NIL))", "f3 OK FETCH completed"],
            await client.CommandAsync("f3", "FETCH 2 ENVELOPE"));

        // The same from the fully parsed message.
        Assert.StartsWith(Expected[..^1] + " BODYSTRUCTURE (", (await client.CommandAsync("f2", "FETCH 1 (ENVELOPE BODYSTRUCTURE)"))[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Recent_is_claimed_by_the_first_session_that_selects_and_shown_to_rev1_sessions_only()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await server.AppendAsync(TestMessages.Simple("one"), flags: SystemFlags.Seen);
        await server.AppendAsync(TestMessages.Simple("two"));
        await using var first = await OpenAsync(server, null);
        await using var second = await OpenAsync(server, null);
        await using var rev2 = await OpenAsync(server, null);

        // The expected lines are Dovecot's for the same steps (RFC 3501 §2.3.2, §6.3.10, §6.4.4, §7.3.2).
        Assert.Equal(["* STATUS \"INBOX\" (MESSAGES 2 RECENT 2 UNSEEN 1)", "t OK STATUS completed"], await first.CommandAsync("t", "STATUS INBOX (MESSAGES RECENT UNSEEN)"));

        // EXAMINE shows them recent and leaves them so.
        Assert.Contains("* 2 RECENT", await second.CommandAsync("e", "EXAMINE INBOX"));
        Assert.Equal(["* 1 FETCH (FLAGS (\\Seen \\Recent))", "* 2 FETCH (FLAGS (\\Recent))", "f OK FETCH completed"], await second.CommandAsync("f", "FETCH 1:* FLAGS"));
        Assert.Equal(["* SEARCH 1 2", "r OK SEARCH completed"], await second.CommandAsync("r", "SEARCH RECENT"));

        // The first SELECT claims them.
        Assert.Contains("* 2 RECENT", await first.CommandAsync("s", "SELECT INBOX"));
        Assert.Equal(["* 1 FETCH (FLAGS (\\Seen \\Recent))", "* 2 FETCH (FLAGS (\\Recent))", "f OK FETCH completed"], await first.CommandAsync("f", "FETCH 1:* FLAGS"));
        Assert.Equal(["* SEARCH 2", "n OK SEARCH completed"], await first.CommandAsync("n", "SEARCH NEW"));
        Assert.Equal(["* SEARCH", "o OK SEARCH completed"], await first.CommandAsync("o", "SEARCH OLD"));
        Assert.Equal(["* SEARCH 1 2", "r OK SEARCH completed"], await first.CommandAsync("r", "SEARCH RECENT"));
        Assert.Equal(["* STATUS \"INBOX\" (RECENT 2)", "t OK STATUS completed"], await first.CommandAsync("t", "STATUS INBOX (RECENT)"));

        // A later SELECT finds none.
        Assert.Contains("* 0 RECENT", await second.CommandAsync("s", "SELECT INBOX"));
        Assert.Equal(["* 1 FETCH (FLAGS (\\Seen))", "* 2 FETCH (FLAGS ())", "f OK FETCH completed"], await second.CommandAsync("f", "FETCH 1:* FLAGS"));
        Assert.Equal(["* STATUS \"INBOX\" (RECENT 0)", "t OK STATUS completed"], await second.CommandAsync("t", "STATUS INBOX (RECENT)"));

        // A message appended by a session that has the folder selected is recent there, and only there.
        var appended = await AppendAsync(second, "a", "($Label1)", TestMessages.Simple("three"));
        Assert.Equal(["* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label1)", "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label1 \\*)] Flags allowed", "* 3 EXISTS", "* 1 RECENT"], appended[..^1]);
        Assert.StartsWith("a OK [APPENDUID", appended[^1], StringComparison.Ordinal);
        Assert.Equal(["* 4 EXISTS", "* 2 RECENT"], (await AppendAsync(second, "b", "", TestMessages.Simple("four")))[..^1]);
        Assert.Equal(["* 3 FETCH (FLAGS (\\Recent $Label1))", "* 4 FETCH (FLAGS (\\Recent))", "f OK FETCH completed"], await second.CommandAsync("f", "FETCH 3:4 FLAGS"));
        var noop = await first.CommandAsync("n", "NOOP");
        Assert.Equal(["* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label1)", "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label1 \\*)] Flags allowed", "* 4 EXISTS", "n OK NOOP completed"], noop);
        Assert.Equal(["* 1 FETCH (FLAGS (\\Seen \\Recent))", "* 2 FETCH (FLAGS (\\Recent))", "* 3 FETCH (FLAGS ($Label1))", "* 4 FETCH (FLAGS ())", "f OK FETCH completed"], await first.CommandAsync("f", "FETCH 1:* FLAGS"));

        // IMAP4rev2 has no \Recent (RFC 9051 Appendix E): no RECENT response, no flag, and nothing claimed.
        await rev2.CommandAsync("e", "ENABLE IMAP4rev2");
        await server.AppendAsync(TestMessages.Simple("five"));
        var selected = await rev2.CommandAsync("s", "SELECT INBOX");
        Assert.DoesNotContain(selected, l => l.Contains("RECENT", StringComparison.Ordinal));
        Assert.Equal(["* 5 FETCH (FLAGS ())", "f OK FETCH completed"], await rev2.CommandAsync("f", "FETCH 5 FLAGS"));
        Assert.Equal(["* STATUS \"INBOX\" (RECENT 1)", "t OK STATUS completed"], await rev2.CommandAsync("t", "STATUS INBOX (RECENT)"));

        // The rev1 session that has the folder selected is the first to be told of it.
        Assert.Equal(["* 5 EXISTS", "* 3 RECENT", "n OK NOOP completed"], await first.CommandAsync("n", "NOOP"));
        Assert.Equal(["* STATUS \"INBOX\" (RECENT 0)", "t OK STATUS completed"], await rev2.CommandAsync("t", "STATUS INBOX (RECENT)"));
    }

    [Fact]
    public async Task Keywords_are_announced_before_use_whoever_set_them()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await server.AppendAsync(TestMessages.Simple("one"));
        await using var writer = await OpenAsync(server, "SELECT INBOX");
        await using var reader = await OpenAsync(server, "SELECT INBOX");

        // Another session sets a keyword: FLAGS and PERMANENTFLAGS come before the FETCH that shows it (RFC 3501 §7.2.6).
        await writer.CommandAsync("a", "STORE 1 +FLAGS ($Label2)");
        Assert.Equal(
            ["* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label2)", "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label2 \\*)] Flags allowed", "* 1 FETCH (UID 1 FLAGS ($Label2))", "n OK NOOP completed"],
            await reader.CommandAsync("n", "NOOP"));

        // Another session appends with a new keyword: announced with the EXISTS, before any FETCH shows it.
        await AppendAsync(writer, "b", "($Label3)", TestMessages.Simple("two"));
        Assert.Equal(
            ["* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label2 $Label3)", "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label2 $Label3 \\*)] Flags allowed", "* 2 EXISTS", "n OK NOOP completed"],
            await reader.CommandAsync("n", "NOOP"));
        Assert.Equal(["* 2 FETCH (FLAGS ($Label3))", "f OK FETCH completed"], await reader.CommandAsync("f", "FETCH 2 FLAGS"));

        // Another process sets one, and the watcher (polling every 250 ms) picks it up before the client asks: the FETCH announces it first.
        await server.CreateOtherStore().StoreFlagsAsync(server.AccountId, "INBOX", [1], FlagChangeMode.Add, new MessageFlags(SystemFlags.None, new HashSet<string> { "$Junk" }), null, CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(1));
        var fetch = await reader.CommandAsync("f", "FETCH 1 FLAGS");
        Assert.True(fetch.FindIndex(l => l.StartsWith("* FLAGS (", StringComparison.Ordinal) && l.Contains("$Junk", StringComparison.Ordinal)) is var announced and >= 0
            && fetch.FindIndex(l => l.Contains("FETCH (", StringComparison.Ordinal) && l.Contains("$Junk", StringComparison.Ordinal)) > announced, string.Join(" | ", fetch));

        // "NIL" is an atom, so a keyword like any other (RFC 3501 §9 flag-keyword); announced before use, exactly as Dovecot does.
        Assert.Equal(
            ["* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Junk $Label2 $Label3 NIL)", "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Junk $Label2 $Label3 NIL \\*)] Flags allowed", "* 1 FETCH (UID 1 FLAGS (NIL))", "t OK STORE completed"],
            await reader.CommandAsync("t", "STORE 1 FLAGS NIL"));
    }

    [Fact]
    public async Task Search_modseq_is_that_of_the_messages_returned_and_highestmodseq_comes_with_the_first_condstore_command()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        for (var i = 0; i < 3; i++)
        {
            await server.AppendAsync(TestMessages.Simple($"m{i}"));
        }

        await using var client = await OpenAsync(server, "SELECT INBOX");
        await client.CommandAsync("t1", "STORE 3 +FLAGS (\\Flagged)");
        await client.CommandAsync("t2", "STORE 1 +FLAGS (\\Answered)");
        var modSeqs = (await server.Store.GetSnapshotAsync(server.AccountId, "INBOX", CancellationToken.None)).Messages.Select(m => m.ModSeq).ToList();
        var highest = modSeqs.Max();
        Assert.True(modSeqs[0] > modSeqs[2] && modSeqs[2] > modSeqs[1]);

        // RFC 7162 §3.1.2.1: the first CONDSTORE enabling command (a FETCH of MODSEQ) gets OK [HIGHESTMODSEQ] first, once.
        var fetched = await client.CommandAsync("f1", "FETCH 2 (MODSEQ)");
        Assert.Equal([$"* OK [HIGHESTMODSEQ {highest}] Highest", $"* 2 FETCH (MODSEQ ({modSeqs[1]}))", "f1 OK FETCH completed"], fetched);
        Assert.Equal([$"* 2 FETCH (MODSEQ ({modSeqs[1]}))", "f2 OK FETCH completed"], await client.CommandAsync("f2", "FETCH 2 (MODSEQ)"));

        // RFC 4731 §3.2 / RFC 7162 §3.1.5: MIN and MAX alone give the MODSEQ of the messages they return (Dovecot does the same).
        Assert.Equal([$"* ESEARCH (TAG \"a\") MIN 1 MODSEQ {modSeqs[0]}", "a OK SEARCH completed"], await client.CommandAsync("a", "SEARCH RETURN (MIN) MODSEQ 1"));
        Assert.Equal([$"* ESEARCH (TAG \"b\") UID MAX 2 MODSEQ {modSeqs[1]}", "b OK UID SEARCH completed"], await client.CommandAsync("b", "UID SEARCH RETURN (MAX) MODSEQ 1 NOT FLAGGED"));
        Assert.Equal([$"* ESEARCH (TAG \"c\") MIN 2 MAX 3 MODSEQ {modSeqs[2]}", "c OK SEARCH completed"], await client.CommandAsync("c", "SEARCH RETURN (MIN MAX) MODSEQ 1 UNANSWERED"));
        Assert.Equal([$"* ESEARCH (TAG \"d\") COUNT 3 MODSEQ {highest}", "d OK SEARCH completed"], await client.CommandAsync("d", "SEARCH RETURN (COUNT) MODSEQ 1"));
        Assert.Equal([$"* SEARCH 2 3 (MODSEQ {modSeqs[2]})", "e OK SEARCH completed"], await client.CommandAsync("e", "SEARCH MODSEQ 1 UNANSWERED"));

        // CHANGEDSINCE enables CONDSTORE too.
        await using var other = await OpenAsync(server, "SELECT INBOX");
        Assert.Equal($"* OK [HIGHESTMODSEQ {highest}] Highest", (await other.CommandAsync("f", $"UID FETCH 1:* (FLAGS) (CHANGEDSINCE {modSeqs[2]})"))[0]);
        Assert.DoesNotContain(await other.CommandAsync("g", "FETCH 1 (MODSEQ)"), l => l.Contains("HIGHESTMODSEQ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Header_fields_not_of_an_encapsulated_message_keeps_every_field_not_listed()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await server.AppendAsync(
            "From: a@example.com\r\nSubject: outer\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n" +
            "--b\r\nContent-Type: text/plain\r\n\r\ntext\r\n" +
            "--b\r\nContent-Type: message/rfc822\r\n\r\n" +
            "Date: Wed, 11 Mar 2026 10:00:00 +0000\r\nFrom: inner@example.com\r\nSubject: inner\r\nX-Foo: bar\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\ninner body\r\n" +
            "--b--\r\n");
        await using var client = await OpenAsync(server, "EXAMINE INBOX");

        // RFC 9051 §6.4.5; byte for byte what Dovecot 2.3 answers for the same message.
        Assert.Equal(
            ["* 1 FETCH (BODY[2.HEADER.FIELDS.NOT (FROM SUBJECT X-FOO)] {85}", "Date: Wed, 11 Mar 2026 10:00:00 +0000", "Content-Type: text/plain; charset=us-ascii", "", ")", "f1 OK FETCH completed"],
            await client.CommandAsync("f1", "FETCH 1 (BODY.PEEK[2.HEADER.FIELDS.NOT (FROM SUBJECT X-FOO)])"));
        Assert.Equal(
            ["* 1 FETCH (BODY[2.HEADER.FIELDS (FROM SUBJECT CONTENT-TYPE)] {87}", "From: inner@example.com", "Subject: inner", "Content-Type: text/plain; charset=us-ascii", "", ")", "f2 OK FETCH completed"],
            await client.CommandAsync("f2", "FETCH 1 (BODY.PEEK[2.HEADER.FIELDS (FROM SUBJECT content-type)])"));
        Assert.Equal(
            ["* 1 FETCH (BODY[HEADER.FIELDS.NOT (FROM SUBJECT X-FOO)] {66}", "MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=\"b\"", "", ")", "f3 OK FETCH completed"],
            await client.CommandAsync("f3", "FETCH 1 (BODY.PEEK[HEADER.FIELDS.NOT (FROM SUBJECT X-FOO)])"));
    }

    [Fact]
    public async Task Address_searches_match_the_parsed_addresses_and_display_names_as_dovecot_does()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await server.AppendAsync("From: <user-from (comment)@ (comment) domain.org>\r\nTo: \"Bob Smith\" <bob@x.com>, ann@y.org\r\nCc: Team: carl@z.net;\r\nSubject: one\r\n\r\nHello.\r\n");
        await server.AppendAsync("From: =?UTF-8?Q?Ren=C3=A9e?= <renee@example.org>\r\nTo: folded\r\n <folded@example.org>\r\nSubject: two\r\n\r\nHello.\r\n");
        await using var client = await OpenAsync(server, "EXAMINE INBOX");

        // RFC 3501 §6.4.4; each answer is Dovecot 2.3's for the same two messages.
        (string Criteria, string Expected)[] cases =
        [
            ("FROM user-from@domain.org", "* SEARCH 1"),
            ("FROM comment", "* SEARCH"),
            ("FROM \"from@dom\"", "* SEARCH 1"),
            ("FROM \"user-from (comment)\"", "* SEARCH"),
            ("FROM \"<user\"", "* SEARCH 1"),
            ("FROM \"user-from@domain.org>\"", "* SEARCH 1"),
            ("TO \"Bob Smith\"", "* SEARCH 1"),
            ("TO \"\\\"Bob\"", "* SEARCH 1"),
            ("TO \"Smith <bob\"", "* SEARCH"),
            ("TO \"ann@y.org\"", "* SEARCH 1"),
            ("TO \"<ann\"", "* SEARCH 1"),
            ("TO \"x.com>, ann\"", "* SEARCH"),
            ("CC team", "* SEARCH 1"),
            ("CC carl@z.net", "* SEARCH 1"),
            ("CC \"Team: carl\"", "* SEARCH"),
            ("FROM \"=?UTF-8\"", "* SEARCH"),
            ("FROM \"e <renee\"", "* SEARCH 2"),
            ("TO \"folded <folded\"", "* SEARCH 2"),
            ("TO \"folded@example.org\"", "* SEARCH 2"),
        ];
        foreach (var (criteria, expected) in cases)
        {
            Assert.Equal([expected, "q OK SEARCH completed"], await client.CommandAsync("q", "SEARCH " + criteria));
        }
    }

    [Fact]
    public async Task Recursivematch_needs_another_selection_option_and_reports_childinfo_and_lsub_reports_noselect_superiors()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await using var client = await OpenAsync(server, null);
        foreach (var command in new[] { "CREATE A/B", "SUBSCRIBE A/B", "SUBSCRIBE A", "CREATE E/F/G", "SUBSCRIBE E/F/G", "CREATE H/I", "SUBSCRIBE H/I", "DELETE H" })
        {
            Assert.EndsWith(" completed", (await client.CommandAsync("c", command))[^1], StringComparison.Ordinal);
        }

        // RFC 5258 §3 (Dovecot: "BAD ... RECURSIVEMATCH must not be the only selection").
        Assert.Equal(["l1 BAD RECURSIVEMATCH must not be the only selection option"], await client.CommandAsync("l1", "LIST (RECURSIVEMATCH) \"\" \"\""));
        Assert.Equal(["l2 BAD RECURSIVEMATCH must not be the only selection option"], await client.CommandAsync("l2", "LIST (REMOTE RECURSIVEMATCH) \"\" *"));

        // RFC 5258 §3.5, §4: a parent whose subscribed inferior "%" does not reach gets CHILDINFO, subscribed or not, existing or not (Dovecot's lines).
        Assert.Equal(
            ["* LIST (\\HasChildren \\Subscribed) \"/\" \"A\" (CHILDINFO (\"SUBSCRIBED\"))", "* LIST (\\HasChildren) \"/\" \"E\" (CHILDINFO (\"SUBSCRIBED\"))", "* LIST (\\NonExistent \\HasChildren) \"/\" \"H\" (CHILDINFO (\"SUBSCRIBED\"))", "l3 OK LIST completed"],
            (await client.CommandAsync("l3", "LIST (SUBSCRIBED RECURSIVEMATCH) \"\" %")).Where(CreatedHere).ToList());
        Assert.Equal(
            ["* LIST (\\HasChildren) \"/\" \"E/F\" (CHILDINFO (\"SUBSCRIBED\"))", "l4 OK LIST completed"],
            await client.CommandAsync("l4", "LIST (SUBSCRIBED RECURSIVEMATCH) \"\" E/%"));

        // Without RECURSIVEMATCH, or when the pattern reaches the inferior, no parent is added.
        Assert.Equal(["* LIST (\\HasChildren \\Subscribed) \"/\" \"A\"", "l5 OK LIST completed"], (await client.CommandAsync("l5", "LIST (SUBSCRIBED) \"\" %")).Where(CreatedHere).ToList());
        Assert.Equal(["* LIST (\\HasNoChildren \\Subscribed) \"/\" \"E/F/G\"", "l6 OK LIST completed"], await client.CommandAsync("l6", "LIST (SUBSCRIBED RECURSIVEMATCH) \"\" E/*"));

        // RFC 3501 §6.3.9: LSUB with "%" lists an unsubscribed superior of a subscribed folder \Noselect (Dovecot's lines).
        Assert.Equal(
            ["* LSUB () \"/\" \"A\"", "* LSUB (\\Noselect) \"/\" \"E\"", "* LSUB (\\Noselect) \"/\" \"H\"", "s1 OK LSUB completed"],
            (await client.CommandAsync("s1", "LSUB \"\" %")).Where(CreatedHere).ToList());
        Assert.Equal(["* LSUB (\\Noselect) \"/\" \"E/F\"", "s2 OK LSUB completed"], await client.CommandAsync("s2", "LSUB \"\" E/%"));
        Assert.Equal(["* LSUB () \"/\" \"E/F/G\"", "s3 OK LSUB completed"], await client.CommandAsync("s3", "LSUB \"\" E/*"));
    }

    /// <summary>A logged-in connection, with <paramref name="select"/> (SELECT or EXAMINE) sent when given.</summary>
    private static async Task<ImapRawClient> OpenAsync(ImapTestServer server, string? select)
    {
        var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        if (select is not null)
        {
            Assert.EndsWith(" completed", (await client.CommandAsync("s", select))[^1], StringComparison.Ordinal);
        }

        return client;
    }

    /// <summary>Tagged lines and the LIST/LSUB lines of the folders a test created (A, E, H), not the default ones.</summary>
    private static bool CreatedHere(string line) =>
        !line.StartsWith("* ", StringComparison.Ordinal) || new[] { "A", "E", "E/F", "E/F/G", "H" }.Any(name => line.Contains($"\"/\" \"{name}\"", StringComparison.Ordinal));

    /// <summary>APPEND of <paramref name="message"/> as a non-synchronizing literal (LITERAL+).</summary>
    private static async Task<List<string>> AppendAsync(ImapRawClient client, string tag, string flags, string message)
    {
        var flagList = flags.Length == 0 ? "" : flags + " ";
        await client.SendAsync($"{tag} APPEND INBOX {flagList}{{{System.Text.Encoding.UTF8.GetByteCount(message)}+}}\r\n{message}\r\n");
        return await client.ReadUntilTaggedAsync(tag);
    }
}
