namespace MailCloud.Core.Sieve.Language;

/// <summary>Compiles a script (lexer, parser, validator) without running it: what uploads are checked with.</summary>
public sealed class SieveScriptChecker : ISieveScriptChecker
{
    public IReadOnlyList<string> Extensions => SieveValidator.Extensions;

    public SieveCompileError? Check(string script)
    {
        try
        {
            SieveCompiler.Compile(script);
            return null;
        }
        catch (SieveSyntaxException e)
        {
            return e.ToCompileError();
        }
    }
}

/// <summary>Text to a validated program; throws <see cref="SieveSyntaxException"/> at the first error.</summary>
internal static class SieveCompiler
{
    public static SieveProgram Compile(string script) => SieveValidator.Validate(SieveParser.Parse(script));
}
