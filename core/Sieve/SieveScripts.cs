namespace MailCloud.Core.Sieve;

/// <summary>One stored Sieve script (RFC 5804 §1.3): its name and its text.</summary>
public sealed record SieveScript(string Name, string Content);

/// <summary>A script as LISTSCRIPTS shows it (RFC 5804 §2.7): its name and whether it is the active one.</summary>
public sealed record SieveScriptEntry(string Name, bool Active);

/// <summary>Where a script fails to compile, reported when it is uploaded (never at delivery).</summary>
public sealed record SieveCompileError(int Line, int Column, string Message)
{
    public override string ToString() => $"line {Line}, column {Column}: {Message}";
}
