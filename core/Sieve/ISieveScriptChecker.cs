namespace MailCloud.Core.Sieve;

/// <summary>
/// Compiles a script without running it: what ManageSieve PUTSCRIPT and CHECKSCRIPT (RFC 5804 §2.6, §2.12)
/// and <c>mailcloud sieve put|check</c> use, so a broken script is refused when it is uploaded.
/// </summary>
public interface ISieveScriptChecker
{
    /// <summary>The extensions this server implements, as ManageSieve's SIEVE capability lists them (RFC 5804 §1.7).</summary>
    IReadOnlyList<string> Extensions { get; }

    /// <summary>The first error in <paramref name="script"/>, or null when it compiles.</summary>
    SieveCompileError? Check(string script);
}
