using MailCloud.Testing;

namespace MailCloud.Fuzz.Tests;

/// <summary>
/// Every input kept under fuzz/corpus/&lt;target&gt;/ and fuzz/findings/&lt;target&gt;/ run through its target
/// directly: it must return (or throw only what the parser documents, which the target swallows) and
/// not hang. A crash AFL once found stays fixed.
/// </summary>
public sealed class CorpusReplayTests
{
    /// <summary>A hang, as AFL is told (-t 1000): one input running longer than this once warmed up.</summary>
    private static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(1);

    /// <summary>The first run of a target also compiles it; it only has to finish.</summary>
    private static readonly TimeSpan FirstRunLimit = TimeSpan.FromSeconds(30);

    private static string FuzzRoot => Path.Combine(TestEnvironment.RepositoryRoot, "fuzz");

    [Fact]
    public void Every_target_has_a_corpus_and_every_corpus_a_target()
    {
        var corpora = Directory.GetDirectories(Path.Combine(FuzzRoot, "corpus")).Select(Path.GetFileName).Order();
        Assert.Equal(FuzzTargets.All.Keys.Order(), corpora);
    }

    [Theory]
    [MemberData(nameof(Inputs), "smtp-command")]
    public void Smtp_command(string file) => Replay("smtp-command", file);

    [Theory]
    [MemberData(nameof(Inputs), "smtp-data")]
    public void Smtp_data(string file) => Replay("smtp-data", file);

    [Theory]
    [MemberData(nameof(Inputs), "imap-command")]
    public void Imap_command(string file) => Replay("imap-command", file);

    [Theory]
    [MemberData(nameof(Inputs), "imap-fetch")]
    public void Imap_fetch(string file) => Replay("imap-fetch", file);

    [Theory]
    [MemberData(nameof(Inputs), "imap-search")]
    public void Imap_search(string file) => Replay("imap-search", file);

    [Theory]
    [MemberData(nameof(Inputs), "imap-sequence-set")]
    public void Imap_sequence_set(string file) => Replay("imap-sequence-set", file);

    [Theory]
    [MemberData(nameof(Inputs), "modified-utf7")]
    public void Modified_utf7(string file) => Replay("modified-utf7", file);

    [Theory]
    [MemberData(nameof(Inputs), "pop3-command")]
    public void Pop3_command(string file) => Replay("pop3-command", file);

    [Theory]
    [MemberData(nameof(Inputs), "proxy")]
    public void Proxy(string file) => Replay("proxy", file);

    [Theory]
    [MemberData(nameof(Inputs), "sasl")]
    public void Sasl(string file) => Replay("sasl", file);

    [Theory]
    [MemberData(nameof(Inputs), "mime-structure")]
    public void Mime_structure(string file) => Replay("mime-structure", file);

    [Theory]
    [MemberData(nameof(Inputs), "sieve-script")]
    public void Sieve_script(string file) => Replay("sieve-script", file);

    /// <summary>The files of a target's corpus and findings, relative to fuzz/ (so each is its own test case).</summary>
    public static TheoryData<string> Inputs(string target)
    {
        var files = new TheoryData<string>();
        foreach (var folder in new[] { "corpus", "findings" })
        {
            var directory = Path.Combine(FuzzRoot, folder, target);
            if (!Directory.Exists(directory))
            {
                continue;
            }

            foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                if (Path.GetFileName(file) != "README.md")
                {
                    files.Add(Path.GetRelativePath(FuzzRoot, file));
                }
            }
        }

        return files;
    }

    private static void Replay(string target, string file)
    {
        var input = File.ReadAllBytes(Path.Combine(FuzzRoot, file));
        var run = FuzzTargets.All[target];
        Assert.True(FuzzRunner.TryRun(run, input, FirstRunLimit), $"{file} did not return within {FirstRunLimit.TotalSeconds} s");
        Assert.True(FuzzRunner.TryRun(run, input, HangLimit), $"{file} hangs: over {HangLimit.TotalSeconds} s");
    }
}
