using MailCloud.Fuzz.Targets;

namespace MailCloud.Fuzz;

/// <summary>One fuzz target: feeds arbitrary bytes to a real parser; returns normally or throws a finding.</summary>
public delegate void FuzzTarget(ReadOnlySpan<byte> input);

/// <summary>The targets by the name <c>fuzz/run.sh</c>, the corpus folders and the replay tests use.</summary>
public static class FuzzTargets
{
    public static IReadOnlyDictionary<string, FuzzTarget> All { get; } = new Dictionary<string, FuzzTarget>(StringComparer.Ordinal)
    {
        ["smtp-command"] = SmtpCommandTarget.Run,
        ["smtp-data"] = SmtpDataTarget.Run,
        ["imap-command"] = ImapCommandTarget.Run,
        ["imap-fetch"] = ImapFetchTarget.Run,
        ["imap-search"] = ImapSearchTarget.Run,
        ["imap-sequence-set"] = ImapSequenceSetTarget.Run,
        ["modified-utf7"] = ModifiedUtf7Target.Run,
        ["pop3-command"] = Pop3CommandTarget.Run,
        ["proxy"] = ProxyTarget.Run,
        ["sasl"] = SaslTarget.Run,
        ["mime-structure"] = MimeStructureTarget.Run,
        ["sieve-script"] = SieveScriptTarget.Run,
    };
}
