using System.Buffers;
using System.Text;

namespace MailCloud.Gateway.ManageSieve.Protocol;

/// <summary>Response codes of RFC 5804 §1.3, without the parentheses.</summary>
public static class ManageSieveResponseCode
{
    public const string AuthTooWeak = "AUTH-TOO-WEAK";
    public const string EncryptNeeded = "ENCRYPT-NEEDED";
    public const string QuotaMaxScripts = "QUOTA/MAXSCRIPTS";
    public const string QuotaMaxSize = "QUOTA/MAXSIZE";
    public const string NonExistent = "NONEXISTENT";
    public const string Active = "ACTIVE";
    public const string AlreadyExists = "ALREADYEXISTS";
    public const string TryLater = "TRYLATER";
    public const string Warnings = "WARNINGS";
}

/// <summary>Writes responses (RFC 5804 §1.2, §4): OK/NO/BYE with an optional code and text, strings and capability lines. No I/O beyond the writer.</summary>
public static class ManageSieveResponse
{
    /// <summary>Longer strings, or ones a quoted string cannot hold, go out as literals.</summary>
    private const int MaxQuotedLength = 1024;

    public static void Ok(IBufferWriter<byte> output, string? text = null, string? code = null) => Status(output, "OK", code, text);

    public static void No(IBufferWriter<byte> output, string? text = null, string? code = null) => Status(output, "NO", code, text);

    public static void Bye(IBufferWriter<byte> output, string? text = null, string? code = null) => Status(output, "BYE", code, text);

    /// <summary>One line of strings separated by spaces, e.g. a capability ("SIEVE" "fileinto") or a LISTSCRIPTS entry.</summary>
    public static void Line(IBufferWriter<byte> output, params string[] strings)
    {
        for (var i = 0; i < strings.Length; i++)
        {
            if (i > 0)
            {
                output.Write(" "u8);
            }

            String(output, strings[i]);
        }

        output.Write("\r\n"u8);
    }

    /// <summary>A LISTSCRIPTS line (RFC 5804 §2.7): the name, then ACTIVE for the active script.</summary>
    public static void ScriptEntry(IBufferWriter<byte> output, string name, bool active)
    {
        String(output, name);
        output.Write(active ? " ACTIVE\r\n"u8 : "\r\n"u8);
    }

    /// <summary>A string: quoted when it can be, otherwise a literal "{n}" CRLF and its octets (RFC 5804 §4).</summary>
    public static void String(IBufferWriter<byte> output, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        if (bytes.Length <= MaxQuotedLength && !value.AsSpan().ContainsAny('\r', '\n', '\0'))
        {
            output.Write("\""u8);
            foreach (var b in bytes)
            {
                if (b is (byte)'"' or (byte)'\\')
                {
                    output.Write("\\"u8);
                }

                output.Write([b]);
            }

            output.Write("\""u8);
            return;
        }

        output.Write(Encoding.ASCII.GetBytes($"{{{bytes.Length}}}\r\n"));
        output.Write(bytes);
    }

    private static void Status(IBufferWriter<byte> output, string status, string? code, string? text)
    {
        output.Write(Encoding.ASCII.GetBytes(status));
        if (code is not null)
        {
            output.Write(Encoding.ASCII.GetBytes($" ({code})"));
        }

        if (text is not null)
        {
            output.Write(" "u8);
            String(output, text);
        }

        output.Write("\r\n"u8);
    }
}
