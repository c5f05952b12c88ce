using System.Buffers;
using System.Text;

namespace MailCloud.Gateway.Pop3.Protocol;

/// <summary>Extended response codes (RFC 2449 §8, RFC 3206).</summary>
public static class Pop3ResponseCode
{
    /// <summary>RFC 3206 §5: the failure is about the credentials, not the system.</summary>
    public const string Auth = "AUTH";

    /// <summary>RFC 3206 §4: a temporary system problem; try again later.</summary>
    public const string SysTemp = "SYS/TEMP";
}

/// <summary>Writes status lines and multi-line terminators. No I/O beyond the given writer.</summary>
public static class Pop3Reply
{
    /// <summary>RFC 2449 §4: response lines are at most 512 octets including CRLF.</summary>
    public const int MaxResponseLineLength = 512;

    public static void Ok(IBufferWriter<byte> output, string text) => WriteLine(output, text.Length == 0 ? "+OK" : "+OK " + text);

    public static void Error(IBufferWriter<byte> output, string text, string? code = null) =>
        WriteLine(output, code is null ? "-ERR " + text : $"-ERR [{code}] {text}");

    /// <summary>RFC 5034 §4: a server challenge, base64 (PLAIN's is empty).</summary>
    public static void Continue(IBufferWriter<byte> output, string challenge) => WriteLine(output, "+ " + challenge);

    /// <summary>A line of a multi-line response that the server wrote itself (never starts with ".").</summary>
    public static void Line(IBufferWriter<byte> output, string text) => WriteLine(output, text);

    /// <summary>RFC 1939 §3: a multi-line response ends with a line holding a single ".".</summary>
    public static void EndMultiline(IBufferWriter<byte> output) => output.Write(".\r\n"u8);

    private static void WriteLine(IBufferWriter<byte> output, string text)
    {
        var line = text.Length > MaxResponseLineLength - 2 ? text[..(MaxResponseLineLength - 2)] : text;
        var bytes = Encoding.UTF8.GetBytes(line + "\r\n");
        output.Write(bytes);
    }
}
