using System.Text;
using MailCloud.Core.Sieve;
using MailCloud.Core.Sieve.Language;
using MailCloud.Testing;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Tests.Sieve.Language;

/// <summary>
/// Scripts × messages run by Pigeonhole's <c>sieve-test</c> (the reference) and by <see cref="SieveInterpreter"/>:
/// both must leave the same actions, compared as a set of "file F flags", "redirect a", "reject", "vacation".
/// </summary>
public sealed class PigeonholeDifferentialTests : IDisposable
{
    private readonly string _directory = System.IO.Directory.CreateTempSubdirectory("mailcloud-sieve-").FullName;

    public PigeonholeDifferentialTests()
    {
        // sieve-test drops to an unprivileged user and wants to write its compiled binaries beside the script.
        if (OperatingSystem.IsLinux())
        {
            File.SetUnixFileMode(_directory, (UnixFileMode)0x1FF);
        }
        File.WriteAllText(Path.Combine(_directory, "dovecot.conf"),
            "mail_uid = 65534\nmail_gid = 65534\nfirst_valid_uid = 1\nfirst_valid_gid = 1\n" +
            $"mail_location = maildir:{_directory}/mail\n");
    }

    public void Dispose() => System.IO.Directory.Delete(_directory, recursive: true);

    public static readonly string[] Messages =
    [
        "From: \"Alice\" <alice+news@example.test>\r\nTo: bob@example.test, carol@other.test\r\n" +
        "Subject: =?UTF-8?B?SGVsbG8gV8O2cmxk?=\r\nDate: Tue, 01 Dec 2026 10:30:00 +0100\r\nReceived: from a\r\nReceived: from b\r\n" +
        "Content-Type: text/plain; charset=utf-8\r\n\r\nBuy cheap watches now\r\n",
        "From: bob@other.test\r\nTo: list@example.test\r\nCc: \"Dan\" <dan+x@example.test>\r\nSubject: [SPAM] offer\r\n" +
        "Date: Mon, 30 Nov 2026 23:59:59 -0800\r\nX-Spam-Score: 12\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n" +
        "--b\r\nContent-Type: text/plain\r\n\r\nplain words\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>html words</p>\r\n--b--\r\n",
    ];

    public static readonly string[] Scripts =
    [
        "keep;",
        "discard;",
        "if header :contains \"subject\" \"wörld\" { discard; }",
        "if header :matches \"subject\" \"[[]SPAM]*\" { discard; } else { redirect \"r@example.test\"; }",
        "require [\"fileinto\", \"copy\"]; if address :domain :is \"from\" \"other.test\" { fileinto :copy \"Other\"; } redirect :copy \"c@example.test\";",
        "require [\"fileinto\", \"imap4flags\"]; addflag \"\\\\Flagged\"; if exists \"x-spam-score\" { fileinto :flags \"\\\\Seen\" \"Junk\"; } else { keep; }",
        "require [\"envelope\", \"subaddress\", \"fileinto\"]; if envelope :detail \"to\" \"work\" { fileinto \"Work\"; } elsif envelope :localpart \"from\" \"bob\" { discard; }",
        "require [\"variables\", \"fileinto\"]; if header :matches \"from\" \"*@*\" { set :lower \"d\" \"${2}\"; fileinto \"From.${d}\"; }",
        "require [\"relational\", \"comparator-i;ascii-numeric\", \"reject\"]; if header :value \"gt\" :comparator \"i;ascii-numeric\" \"x-spam-score\" \"10\" { reject \"spam\"; }",
        "require [\"relational\", \"comparator-i;ascii-numeric\"]; if address :count \"ge\" :comparator \"i;ascii-numeric\" [\"to\", \"cc\"] \"2\" { discard; }",
        "require \"body\"; if body :text :contains \"cheap\" { discard; } if body :content \"text/html\" :contains \"html words\" { redirect \"h@example.test\"; }",
        "require [\"date\", \"relational\", \"fileinto\"]; if date :zone \"+0000\" :value \"ge\" \"date\" \"date\" \"2026-12-01\" { fileinto \"Dec\"; }",
        "require [\"vacation\"]; if not header :contains \"to\" \"list\" { vacation :days 3 :subject \"away\" \"I am away\"; }",
        "require \"index\"; if header :index 2 :is \"received\" \"from b\" { discard; stop; } keep;",
        "if size :over 300 { discard; }",
    ];

    public static IEnumerable<object[]> Cases() =>
        from s in Enumerable.Range(0, Scripts.Length) from m in Enumerable.Range(0, Messages.Length) select new object[] { s, m };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task MailCloud_agrees_with_Pigeonhole(int scriptIndex, int messageIndex)
    {
        string script = Scripts[scriptIndex], content = Messages[messageIndex];
        string scriptPath = Path.Combine(_directory, "test.sieve"), messagePath = Path.Combine(_directory, "test.eml");
        await File.WriteAllTextAsync(scriptPath, script);
        await File.WriteAllTextAsync(messagePath, content);
        const string from = "sender+x@other.test", to = "bob+work@example.test";

        var (exitCode, output) = await Peers.RunAsync("sieve-test",
            ["-c", Path.Combine(_directory, "dovecot.conf"), "-f", from, "-r", to, scriptPath, messagePath]);
        Assert.True(exitCode == 0, output);
        Assert.Contains("Performed actions:", output, StringComparison.Ordinal);
        var reference = ParsePigeonhole(output);

        var result = await new SieveInterpreter(new NoScripts(), Options.Create(new SieveLanguageOptions()), TimeProvider.System).RunAsync(
            new SieveScript("test", script),
            new SieveMessage("acct", "bob@example.test", from, to, Encoding.UTF8.GetByteCount(content), DateTimeOffset.UnixEpoch,
                _ => Task.FromResult<Stream>(new MemoryStream(Encoding.UTF8.GetBytes(content))),
                (folder, _) => Task.FromResult(folder == "INBOX")),
            CancellationToken.None);
        Assert.Equal(reference, Describe(result));
    }

    private static List<string> Describe(SieveResult result) =>
    [
        .. result.Actions.Select(a => a switch
        {
            FileAction f => ("file " + f.Folder + " " + string.Join(" ", f.Flags.Select(x => x.ToLowerInvariant()).Order(StringComparer.Ordinal))).TrimEnd(),
            RedirectAction r => "redirect " + r.Address,
            RejectAction => "reject",
            VacationAction => "vacation",
            _ => a.ToString()!,
        }).Order(StringComparer.Ordinal),
    ];

    /// <summary>The "Performed actions" and "Implicit keep" sections of sieve-test's output, in the same words.</summary>
    private static List<string> ParsePigeonhole(string output)
    {
        var actions = new List<string>();
        string? file = null;
        var flags = new List<string>();
        void Flush()
        {
            if (file is not null)
            {
                actions.Add(("file " + file + " " + string.Join(" ", flags.Order(StringComparer.Ordinal))).TrimEnd());
            }
            file = null;
            flags.Clear();
        }
        foreach (string raw in output.Split('\n'))
        {
            string line = raw.Trim();
            if (line.StartsWith("* ", StringComparison.Ordinal))
            {
                Flush();
                string action = line[2..];
                if (action.StartsWith("store message in folder: ", StringComparison.Ordinal))
                {
                    file = action["store message in folder: ".Length..];
                }
                else if (action.StartsWith("redirect message to: ", StringComparison.Ordinal))
                {
                    actions.Add("redirect " + action["redirect message to: ".Length..].Trim('<', '>'));
                }
                else if (action.StartsWith("reject message", StringComparison.Ordinal))
                {
                    actions.Add("reject");
                }
                else if (action.StartsWith("send vacation message", StringComparison.Ordinal))
                {
                    actions.Add("vacation");
                }
            }
            else if (line.StartsWith("+ add IMAP flags: ", StringComparison.Ordinal) && file is not null)
            {
                flags.AddRange(line["+ add IMAP flags: ".Length..].ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries));
            }
        }
        Flush();
        return [.. actions.Order(StringComparer.Ordinal)];
    }

    private sealed class NoScripts : ISieveScriptSource
    {
        public Task<SieveScript?> GetAsync(string accountId, string name, CancellationToken cancellationToken) => Task.FromResult<SieveScript?>(null);

        public Task<SieveScript?> GetActiveAsync(string accountId, CancellationToken cancellationToken) => Task.FromResult<SieveScript?>(null);

        public Task<SieveScript?> GetGlobalAsync(string name, CancellationToken cancellationToken) => Task.FromResult<SieveScript?>(null);
    }
}
