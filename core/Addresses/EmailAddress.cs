using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace MailCloud.Core.Addresses;

/// <summary>
/// An RFC 5321 mailbox (local-part@domain) as used in envelopes and the directory.
/// Lookups are case-insensitive: <see cref="Key"/> is the lower-cased local part at the
/// IDNA-ASCII domain, which is what the directory and the mailbox store index by.
/// </summary>
public readonly record struct EmailAddress
{
    /// <summary>RFC 5321 §4.5.3.1.1 and §4.5.3.1.2.</summary>
    public const int MaxLocalPartLength = 64;
    public const int MaxDomainLength = 255;
    public const int MaxLength = 254;

    /// <summary>RFC 5233 §1: the separator between a user and a detail, as in <c>user+detail@domain</c>.</summary>
    public const char SubaddressSeparator = '+';

    private static readonly IdnMapping Idn = new() { AllowUnassigned = false, UseStd3AsciiRules = true };

    private EmailAddress(string localPart, string domain)
    {
        LocalPart = localPart;
        Domain = domain;
    }

    /// <summary>The local part as given (may contain UTF-8 under SMTPUTF8).</summary>
    public string LocalPart { get; }

    /// <summary>The domain in IDNA ASCII form, lower case.</summary>
    public string Domain { get; }

    /// <summary>The normalized lookup key: lower-case local part @ ASCII domain.</summary>
    public string Key => $"{LocalPart.ToLowerInvariant()}@{Domain}";

    public override string ToString() => $"{LocalPart}@{Domain}";

    /// <summary>
    /// The address without its detail (<c>user+news@example.test</c> → <c>user@example.test</c>), or
    /// null when it has none. Quoted local parts are taken literally and have no detail.
    /// </summary>
    public EmailAddress? WithoutSubaddress()
    {
        var separator = LocalPart.IndexOf(SubaddressSeparator);
        return separator <= 0 || LocalPart[0] == '"' ? null : new EmailAddress(LocalPart[..separator], Domain);
    }

    public static EmailAddress Parse(string text) =>
        TryParse(text, out var address, out var error) ? address : throw new FormatException(error);

    public static bool TryParse(string? text, out EmailAddress address) => TryParse(text, out address, out _);

    public static bool TryParse(string? text, out EmailAddress address, [NotNullWhen(false)] out string? error)
    {
        address = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "the address is empty";
            return false;
        }

        var at = text.LastIndexOf('@');
        if (at <= 0 || at == text.Length - 1)
        {
            error = $"'{text}' is not of the form local-part@domain";
            return false;
        }

        var local = text[..at];
        if (!IsValidLocalPart(local, out error))
        {
            return false;
        }

        if (!TryNormalizeDomain(text[(at + 1)..], out var domain, out error))
        {
            return false;
        }

        if (local.Length + 1 + domain.Length > MaxLength)
        {
            error = $"'{text}' is longer than {MaxLength} characters";
            return false;
        }

        address = new EmailAddress(local, domain);
        return true;
    }

    /// <summary>Converts a domain to lower-case IDNA ASCII and checks its labels (RFC 5321 §4.1.2, RFC 5890).</summary>
    public static bool TryNormalizeDomain(string? text, [NotNullWhen(true)] out string? domain, [NotNullWhen(false)] out string? error)
    {
        domain = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "the domain is empty";
            return false;
        }

        string ascii;
        try
        {
            ascii = Idn.GetAscii(text.TrimEnd('.')).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            error = $"'{text}' is not a valid domain name";
            return false;
        }

        if (ascii.Length > MaxDomainLength || !ascii.Contains('.') && ascii != "localhost")
        {
            error = $"'{text}' is not a fully qualified domain name";
            return false;
        }

        foreach (var label in ascii.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-' ||
                !label.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
            {
                error = $"'{text}' has an invalid label '{label}'";
                return false;
            }
        }

        domain = ascii;
        error = null;
        return true;
    }

    private static bool IsValidLocalPart(string local, [NotNullWhen(false)] out string? error)
    {
        if (local.Length > MaxLocalPartLength)
        {
            error = $"the local part '{local}' is longer than {MaxLocalPartLength} characters";
            return false;
        }

        // RFC 5321 §4.1.2 dot-string; quoted strings are accepted as one token.
        if (local.Length >= 2 && local[0] == '"' && local[^1] == '"')
        {
            var ok = local[1..^1].All(c => c >= 0x20 && c != 0x7f && c != '\r' && c != '\n');
            error = ok ? null : $"the quoted local part '{local}' contains control characters";
            return ok;
        }

        if (local[0] == '.' || local[^1] == '.' || local.Contains(".."))
        {
            error = $"the local part '{local}' has a misplaced dot";
            return false;
        }

        foreach (var c in local)
        {
            // atext (RFC 5322 §3.2.3) plus UTF-8 (RFC 6531 §3.3).
            var allowed = char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-/=?^_`{|}~.".Contains(c) || c > 0x7f && !char.IsControl(c) && !char.IsWhiteSpace(c);
            if (!allowed)
            {
                error = $"the local part '{local}' contains '{c}', which is not allowed";
                return false;
            }
        }

        error = null;
        return true;
    }
}
