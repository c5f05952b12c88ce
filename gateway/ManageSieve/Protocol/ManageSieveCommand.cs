namespace MailCloud.Gateway.ManageSieve.Protocol;

/// <summary>One argument: a string (quoted or literal, RFC 5804 §4) or a number.</summary>
public sealed record ManageSieveArgument(string? Text, long? Number)
{
    public bool IsString => Text is not null;
}

/// <summary>A parsed command: its name in upper case and its arguments in order.</summary>
public sealed record ManageSieveCommand(string Name, IReadOnlyList<ManageSieveArgument> Arguments);

/// <summary>
/// A command that does not follow the grammar (RFC 5804 §4). ManageSieve has no BAD: the session answers
/// NO with this message (§1.2), and ends the connection once its error budget is spent.
/// </summary>
public sealed class ManageSieveSyntaxException(string message) : Exception(message);
