namespace MailCloud.Gateway.Pop3.Protocol;

/// <summary>One client command: an upper-cased keyword and its space-separated arguments (RFC 1939 §3).</summary>
public sealed record Pop3Command(string Keyword, IReadOnlyList<string> Arguments)
{
    public string? Argument(int index) => index < Arguments.Count ? Arguments[index] : null;
}
