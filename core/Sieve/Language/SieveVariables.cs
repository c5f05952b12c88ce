using System.Text;

namespace MailCloud.Core.Sieve.Language;

/// <summary>
/// Variables of one script run (RFC 5229): names are case-insensitive (§3); <c>global.</c> names and names
/// declared <c>global</c> live in the store shared with included scripts (RFC 6609 §3.3, §3.5).
/// </summary>
internal sealed class SieveVariables(Dictionary<string, string> globals)
{
    /// <summary>The longest value a variable holds; longer values are cut (RFC 5229 §6 lets implementations limit them).</summary>
    public const int MaxValueLength = 4096;

    private readonly Dictionary<string, string> _locals = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _declaredGlobal = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>${0}..${9} from the last successful :matches (RFC 5229 §3.2).</summary>
    public IReadOnlyList<string> MatchValues { get; set; } = [];

    public Dictionary<string, string> Globals => globals;

    public static bool IsValidName(string name)
    {
        var span = name.AsSpan();
        if (span.StartsWith("global.", StringComparison.OrdinalIgnoreCase))
        {
            span = span[7..];
        }
        if (span.Length == 0 || !(char.IsAsciiLetter(span[0]) || span[0] == '_'))
        {
            return false;
        }
        foreach (char c in span)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                return false;
            }
        }
        return true;
    }

    public void DeclareGlobal(string name) => _declaredGlobal.Add(name);

    public void Set(string name, string value)
    {
        if (value.Length > MaxValueLength)
        {
            value = value[..MaxValueLength];
        }
        if (name.StartsWith("global.", StringComparison.OrdinalIgnoreCase))
        {
            globals[name[7..]] = value;
        }
        else if (_declaredGlobal.Contains(name))
        {
            globals[name] = value;
        }
        else
        {
            _locals[name] = value;
        }
    }

    public string Get(string name)
    {
        if (name.StartsWith("global.", StringComparison.OrdinalIgnoreCase))
        {
            return globals.GetValueOrDefault(name[7..]) ?? "";
        }
        var store = _declaredGlobal.Contains(name) ? globals : _locals;
        return store.GetValueOrDefault(name) ?? "";
    }

    /// <summary>
    /// Replaces <c>${name}</c> and <c>${digit}</c> (RFC 5229 §3): an unknown variable is the empty string, and
    /// text that is not a well-formed reference stays as written.
    /// </summary>
    public string Expand(string text)
    {
        int start = text.IndexOf("${", StringComparison.Ordinal);
        if (start < 0)
        {
            return text;
        }
        var result = new StringBuilder(text.Length);
        int position = 0;
        while (start >= 0)
        {
            int end = text.IndexOf('}', start + 2);
            if (end < 0)
            {
                break;
            }
            string name = text[(start + 2)..end];
            result.Append(text, position, start - position);
            if (name.Length > 0 && !name.AsSpan().ContainsAnyExceptInRange('0', '9'))
            {
                int index = int.TryParse(name, out int n) ? n : int.MaxValue;
                result.Append(index < MatchValues.Count ? MatchValues[index] : "");
                position = end + 1;
            }
            else if (IsValidName(name))
            {
                result.Append(Get(name));
                position = end + 1;
            }
            else
            {
                // Not a reference: keep "${" and look again just after it (a reference may start inside).
                result.Append("${");
                position = start + 2;
            }
            start = text.IndexOf("${", position, StringComparison.Ordinal);
        }
        result.Append(text, position, text.Length - position);
        return result.ToString();
    }
}
