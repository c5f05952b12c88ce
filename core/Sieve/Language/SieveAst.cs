namespace MailCloud.Core.Sieve.Language;

/// <summary>An argument as written (RFC 5228 §8.2): a tag, a number, or a string list (a lone string is a list of one).</summary>
internal abstract record SieveArgument(int Line, int Column);

internal sealed record SieveTagArgument(string Name, int Line, int Column) : SieveArgument(Line, Column);

internal sealed record SieveNumberArgument(long Value, int Line, int Column) : SieveArgument(Line, Column);

/// <summary><paramref name="IsList"/> when written in brackets (a place that wants one string refuses a bracketed list).</summary>
internal sealed record SieveStringArgument(IReadOnlyList<string> Values, bool IsList, int Line, int Column) : SieveArgument(Line, Column);

/// <summary>A test: identifier, arguments, and nested tests for allof/anyof/not.</summary>
internal sealed record SieveTest(string Name, IReadOnlyList<SieveArgument> Arguments, IReadOnlyList<SieveTest> Tests, int Line, int Column)
{
    /// <summary>Filled by the validator: the tagged arguments by name (the value when a tag takes one).</summary>
    public Dictionary<string, SieveArgument?> Tags { get; } = new(StringComparer.Ordinal);

    /// <summary>Filled by the validator: the positional arguments in order.</summary>
    public List<SieveArgument> Positional { get; } = [];
}

/// <summary>A command: identifier, arguments, its test (if/elsif) and its block.</summary>
internal sealed record SieveCommand(
    string Name,
    IReadOnlyList<SieveArgument> Arguments,
    IReadOnlyList<SieveTest> Tests,
    IReadOnlyList<SieveCommand>? Block,
    int Line,
    int Column)
{
    public Dictionary<string, SieveArgument?> Tags { get; } = new(StringComparer.Ordinal);

    public List<SieveArgument> Positional { get; } = [];
}

/// <summary>A compiled script: its commands and the extensions it required.</summary>
internal sealed record SieveProgram(IReadOnlyList<SieveCommand> Commands, IReadOnlySet<string> Required);
