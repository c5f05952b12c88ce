using System.Text;
using MailCloud.Core.Sieve.Language;

namespace MailCloud.Fuzz.Targets;

/// <summary>
/// sieve-script: the input as an uploaded script (UTF-8, as PUTSCRIPT and <c>mailcloud sieve put</c> read it) through
/// <see cref="SieveScriptChecker.Check"/>, which answers every bad script with a compile error: anything escaping it
/// is a finding. An error must point inside the script (1-based line and column, a line the script has).
/// </summary>
public static class SieveScriptTarget
{
    private static readonly SieveScriptChecker Checker = new();

    public static void Run(ReadOnlySpan<byte> input)
    {
        var script = Encoding.UTF8.GetString(input);
        if (Checker.Check(script) is { } error)
        {
            int lines = script.Count(c => c == '\n') + 1;
            if (error.Line < 1 || error.Column < 1 || error.Line > lines || string.IsNullOrEmpty(error.Message))
            {
                throw new FuzzInvariantException($"error outside the script ({lines} lines): {error}");
            }
        }
    }
}
