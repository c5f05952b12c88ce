using System.Text;
using MailCloud.Core.Sieve;
using MailCloud.Core.Sieve.Language;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Tests.Sieve.Language;

public class SieveInterpreterTests
{
    private const string Message =
        "From: \"Alice\" <alice+news@example.test>\r\n" +
        "To: bob@example.test, carol@other.test\r\n" +
        "Subject: =?UTF-8?B?SGVsbG8gV8O2cmxk?=\r\n" +
        "Date: Tue, 01 Dec 2026 10:30:00 +0100\r\n" +
        "Received: from a\r\n" +
        "Received: from b\r\n" +
        "Content-Type: text/plain; charset=utf-8\r\n" +
        "\r\n" +
        "Buy cheap watches now\r\n";

    private readonly ScriptStore _store = new();

    private sealed class ScriptStore : ISieveScriptSource
    {
        public Dictionary<string, string> Personal { get; } = [];

        public Dictionary<string, string> Global { get; } = [];

        public Task<SieveScript?> GetAsync(string accountId, string name, CancellationToken cancellationToken) =>
            Task.FromResult(Personal.TryGetValue(name, out var s) ? new SieveScript(name, s) : null);

        public Task<SieveScript?> GetActiveAsync(string accountId, CancellationToken cancellationToken) => Task.FromResult<SieveScript?>(null);

        public Task<SieveScript?> GetGlobalAsync(string name, CancellationToken cancellationToken) =>
            Task.FromResult(Global.TryGetValue(name, out var s) ? new SieveScript(name, s) : null);
    }

    private int _opened;

    private Task<SieveResult> RunAsync(string script, string from = "alice+news@example.test", string to = "bob+work@example.test") =>
        new SieveInterpreter(_store, Options.Create(new SieveLanguageOptions()), TimeProvider.System).RunAsync(
            new SieveScript("main", script),
            new SieveMessage("acct", "bob@example.test", from, to, Encoding.UTF8.GetByteCount(Message), DateTimeOffset.UnixEpoch, _ =>
            {
                _opened++;
                return Task.FromResult<Stream>(new MemoryStream(Encoding.UTF8.GetBytes(Message)));
            },
            (folder, _) => Task.FromResult(folder is "INBOX" or "Lists")),
            CancellationToken.None);

    private static string Describe(SieveResult result) => string.Join(" | ", result.Actions.Select(a => a switch
    {
        FileAction f => $"file {f.Folder}{(f.Create ? " create" : "")}{(f.Flags.Count > 0 ? " " + string.Join(",", f.Flags.Order(StringComparer.Ordinal)) : "")}",
        RedirectAction r => $"redirect {r.Address}",
        RejectAction r => $"{(r.Extended ? "ereject" : "reject")} {r.Reason}",
        VacationAction v => $"vacation {v.Period.TotalDays} {v.Subject} {v.Reason}",
        _ => a.ToString()!,
    }));

    [Theory]
    [InlineData("", "file INBOX")]
    [InlineData("discard;", "")]
    [InlineData("keep; discard;", "file INBOX")]
    [InlineData("redirect \"x@example.test\";", "redirect x@example.test")]
    [InlineData("require \"copy\"; redirect :copy \"x@example.test\";", "redirect x@example.test | file INBOX")]
    [InlineData("require \"fileinto\"; fileinto \"A\"; fileinto \"A\"; keep;", "file A | file INBOX")]
    [InlineData("require [\"fileinto\", \"mailbox\"]; fileinto :create \"New\";", "file New create")]
    [InlineData("if header :contains \"subject\" \"wörld\" { discard; }", "")]
    [InlineData("if header :is \"subject\" \"hello wörld\" { discard; }", "")]
    [InlineData("if header :comparator \"i;octet\" :is \"subject\" \"hello wörld\" { discard; }", "file INBOX")]
    [InlineData("if header :matches \"subject\" \"H*W?rld\" { discard; }", "")]
    [InlineData("if address :domain \"to\" \"other.test\" { discard; }", "")]
    [InlineData("if address :localpart :is \"from\" \"alice+news\" { discard; }", "")]
    [InlineData("require \"subaddress\"; if address :user \"from\" \"alice\" { discard; }", "")]
    [InlineData("require \"subaddress\"; if address :detail \"to\" \"\" { discard; }", "file INBOX")]
    [InlineData("require \"envelope\"; if envelope :all \"to\" \"bob+work@example.test\" { discard; }", "")]
    [InlineData("require [\"envelope\", \"subaddress\"]; if envelope :detail \"to\" \"work\" { discard; }", "")]
    [InlineData("if exists [\"from\", \"date\"] { discard; }", "")]
    [InlineData("if exists [\"from\", \"x-nonesuch\"] { discard; }", "file INBOX")]
    [InlineData("require [\"mailbox\", \"fileinto\"]; if mailboxexists [\"INBOX\", \"Lists\"] { fileinto \"Lists\"; }", "file Lists")]
    [InlineData("require [\"mailbox\", \"fileinto\"]; if mailboxexists [\"Lists\", \"Nonesuch\"] { fileinto \"Lists\"; }", "file INBOX")]
    [InlineData("if size :over 10 { discard; }", "")]
    [InlineData("if size :under 10 { discard; }", "file INBOX")]
    [InlineData("if false { discard; } elsif true { redirect \"a@example.test\"; } else { keep; }", "redirect a@example.test")]
    [InlineData("if allof (true, not false) { discard; stop; } keep;", "")]
    [InlineData("require \"reject\"; reject \"no\";", "reject no")]
    [InlineData("require \"ereject\"; ereject \"no\";", "ereject no")]
    [InlineData("require \"imap4flags\"; addflag \"\\\\Seen x\"; removeflag \"x\";", "file INBOX \\Seen")]
    [InlineData("require [\"imap4flags\", \"fileinto\"]; setflag \"a\"; fileinto :flags \"b\" \"F\"; addflag \"c\"; keep;", "file F b | file INBOX a,c")]
    [InlineData("require \"imap4flags\"; addflag \"v\" \"a b\"; if hasflag \"v\" \"b\" { discard; }", "")]
    [InlineData("require \"imap4flags\"; if hasflag \"a\" { discard; }", "file INBOX")]
    [InlineData("require [\"variables\", \"fileinto\"]; if header :matches \"from\" \"*<*@*>\" { fileinto \"x.${3}.${1}\"; }", "file x.example.test.\"Alice\" ")]
    [InlineData("require [\"variables\", \"fileinto\"]; set :upperfirst :lower \"f\" \"HELLO\"; set :length \"n\" \"${f}\"; fileinto \"${f}${n}${unknown}\";", "file Hello5")]
    [InlineData("require [\"variables\", \"fileinto\"]; set :quotewildcard \"q\" \"a*b?\"; fileinto \"${q}\";", "file a\\*b\\?")]
    [InlineData("require \"relational\"; if header :count \"eq\" :comparator \"i;ascii-numeric\" \"received\" \"2\" { discard; }", "")]
    [InlineData("require \"relational\"; if address :count \"ge\" :comparator \"i;ascii-numeric\" \"to\" \"3\" { discard; }", "file INBOX")]
    [InlineData("require \"relational\"; if header :value \"gt\" \"subject\" \"a\" { discard; }", "")]
    [InlineData("require \"index\"; if header :index 1 :last :is \"received\" \"from b\" { discard; }", "")]
    [InlineData("require \"index\"; if header :index 3 :contains \"received\" \"\" { discard; }", "file INBOX")]
    [InlineData("require \"date\"; if date :zone \"+0000\" \"date\" \"time\" \"09:30:00\" { discard; }", "")]
    [InlineData("require \"date\"; if date :originalzone \"date\" \"zone\" \"+0100\" { discard; }", "")]
    [InlineData("require [\"date\", \"relational\"]; if currentdate :value \"ge\" \"year\" \"2000\" { discard; }", "")]
    [InlineData("require \"body\"; if body :text :contains \"cheap watches\" { discard; }", "")]
    [InlineData("require \"body\"; if body :content \"image\" :contains \"cheap\" { discard; }", "file INBOX")]
    [InlineData("require \"vacation\"; vacation :days 90 :subject \"away\" \"gone\";", "vacation 30 away gone | file INBOX")]
    [InlineData("require \"vacation\"; vacation :days 0 \"gone\";", "vacation 1  gone | file INBOX")]
    [InlineData("require \"vacation\"; vacation \"gone\"; discard;", "vacation 7  gone")]
    public async Task Runs_scripts_to_the_expected_actions(string script, string expected)
    {
        Assert.Equal(expected, Describe(await RunAsync(script)));
    }

    [Fact]
    public async Task Opens_the_message_only_when_a_test_needs_it()
    {
        await RunAsync("require \"envelope\"; if anyof (size :over 1, envelope \"from\" \"x\") { keep; }");
        Assert.Equal(0, _opened);
        await RunAsync("if header :is \"subject\" \"x\" { keep; } if exists \"to\" { keep; }");
        Assert.Equal(1, _opened);
    }

    [Fact]
    public async Task Null_reverse_path_is_the_empty_string()
    {
        Assert.Equal("", Describe(await RunAsync("require \"envelope\"; if envelope :is \"from\" \"\" { discard; }", from: "")));
    }

    [Fact]
    public async Task Vacation_default_handle_follows_its_arguments()
    {
        async Task<string> Handle(string script) => ((VacationAction)(await RunAsync("require \"vacation\"; " + script)).Actions[0]).Handle;
        Assert.Equal(await Handle("vacation \"a\";"), await Handle("vacation :days 3 \"a\";"));
        Assert.NotEqual(await Handle("vacation \"a\";"), await Handle("vacation \"b\";"));
        Assert.NotEqual(await Handle("vacation \"a\";"), await Handle("vacation :subject \"s\" \"a\";"));
        Assert.Equal("h", await Handle("vacation :handle \"h\" \"a\";"));
    }

    [Theory]
    [InlineData("redirect \"1@x.test\"; redirect \"2@x.test\"; redirect \"3@x.test\"; redirect \"4@x.test\"; redirect \"5@x.test\";", "more than 4 redirects")]
    [InlineData("require [\"reject\", \"fileinto\"]; fileinto \"A\"; reject \"no\";", "conflicts")]
    [InlineData("require [\"reject\", \"vacation\"]; reject \"no\"; vacation \"away\";", "none with reject")]
    [InlineData("require \"include\"; include \"missing\";", "does not exist")]
    [InlineData("require \"include\"; include \"self\";", "include loop")]
    [InlineData("require \"include\"; include \"broken\";", "does not compile")]
    [InlineData("require \"include\"; include \"d0\";", "deeper than 10")]
    public async Task Fails_at_run_time(string script, string message)
    {
        _store.Personal["self"] = "require \"include\"; include \"self\";";
        _store.Personal["broken"] = "frob;";
        for (int i = 0; i < 12; i++)
        {
            _store.Personal[$"d{i}"] = $"require \"include\"; include \"d{i + 1}\";";
        }
        var e = await Assert.ThrowsAsync<SieveRuntimeException>(() => RunAsync(script));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Includes_share_globals_return_and_stop()
    {
        _store.Personal["inner"] = "require [\"include\", \"variables\", \"fileinto\"]; global \"box\"; fileinto \"${box}\"; return; discard;";
        _store.Global["spam"] = "require [\"include\", \"variables\", \"fileinto\"]; fileinto \"G${global.box}\"; stop;";
        var result = await RunAsync(
            "require [\"include\", \"variables\", \"fileinto\"]; global \"box\"; set \"box\" \"B\";" +
            " include \"inner\"; include :once \"inner\"; include :optional \"none\"; include :global \"spam\"; fileinto \"never\";");
        Assert.Equal("file B | file GB", Describe(result));
    }

    [Fact]
    public async Task A_key_full_of_wildcards_is_not_exponential()
    {
        // Backtracking without memory would try about 40^12 splits here before failing.
        string key = string.Concat(Enumerable.Repeat("*a", 12)) + "*z";
        Assert.Equal("file INBOX", Describe(await RunAsync(
            $"require \"variables\"; set \"v\" \"{new string('a', 40)}\"; if string :matches \"${{v}}\" \"{key}\" {{ discard; }}")));
    }
}
