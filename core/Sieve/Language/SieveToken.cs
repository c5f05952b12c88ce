namespace MailCloud.Core.Sieve.Language;

internal enum SieveTokenKind
{
    Identifier,
    Tag,
    Number,
    String,
    LeftBracket,
    RightBracket,
    LeftParen,
    RightParen,
    LeftBrace,
    RightBrace,
    Comma,
    Semicolon,
    End,
}

/// <summary>
/// One lexical token (RFC 5228 §8.1). <see cref="Text"/> is the identifier or tag name in lower case
/// (identifiers are case-insensitive, §2.9 and §8.1), or a string's value after escapes and dot-unstuffing.
/// </summary>
internal readonly record struct SieveToken(SieveTokenKind Kind, string Text, long Number, int Line, int Column);

/// <summary>A script does not compile: a lexical, syntax or validation error at a 1-based line and column.</summary>
public sealed class SieveSyntaxException(int line, int column, string message) : Exception(message)
{
    public int Line { get; } = line;

    public int Column { get; } = column;

    public SieveCompileError ToCompileError() => new(Line, Column, Message);
}
