using System.Text;

namespace MailCloud.Gateway.Tests.Imap;

/// <summary>Messages the IMAP tests store and fetch.</summary>
internal static class TestMessages
{
    /// <summary>multipart/mixed: an alternative (plain + html) and a base64 PDF attachment; encoded-word subject and names.</summary>
    public const string Multipart =
        "Date: Tue, 10 Mar 2026 09:15:00 +0100\r\n" +
        "From: =?UTF-8?Q?Ren=C3=A9e_M=C3=BCller?= <renee@example.org>\r\n" +
        "To: Bob <bob@example.com>, team: ann@example.com, carl@example.com;\r\n" +
        "Subject: =?UTF-8?B?UHLDvGZ1bmcgZMOpasOgIHZ1?=\r\n" +
        "Message-ID: <m1@example.org>\r\n" +
        "MIME-Version: 1.0\r\n" +
        "Content-Type: multipart/mixed; boundary=\"outer\"\r\n" +
        "\r\n" +
        "Preamble.\r\n" +
        "--outer\r\n" +
        "Content-Type: multipart/alternative; boundary=\"inner\"\r\n" +
        "\r\n" +
        "--inner\r\n" +
        "Content-Type: text/plain; charset=utf-8\r\n" +
        "Content-Transfer-Encoding: quoted-printable\r\n" +
        "\r\n" +
        "Gr=C3=BC=C3=9Fe aus M=C3=BCnchen.\r\n" +
        "Zweite Zeile.\r\n" +
        "--inner\r\n" +
        "Content-Type: text/html; charset=utf-8\r\n" +
        "\r\n" +
        "<p>Gruesse</p>\r\n" +
        "--inner--\r\n" +
        "--outer\r\n" +
        "Content-Type: application/pdf; name=\"report.pdf\"\r\n" +
        "Content-Disposition: attachment; filename=\"report.pdf\"\r\n" +
        "Content-Transfer-Encoding: base64\r\n" +
        "\r\n" +
        "JVBERi0xLjQKJcOkw7zDtsOfCg==\r\n" +
        "--outer--\r\n";

    public static string Simple(string subject, string body = "Hello.") =>
        "From: Ann <ann@example.com>\r\n" +
        "To: bob@example.com\r\n" +
        $"Subject: {subject}\r\n" +
        "Date: Wed, 11 Mar 2026 10:00:00 +0000\r\n" +
        $"Message-ID: <{Guid.NewGuid():N}@example.com>\r\n" +
        "\r\n" +
        body + "\r\n";

    /// <summary>A simple message of exactly <paramref name="size"/> bytes (at least the header's).</summary>
    public static string OfSize(int size)
    {
        var head = Simple("sized", body: "");
        return head[..^2] + new string('x', size - head.Length) + "\r\n";
    }

    public static MemoryStream Stream(string message) => new(Encoding.UTF8.GetBytes(message));

    /// <summary>A hostile shape: a multipart/mixed of <paramref name="parts"/> tiny text parts, inside <paramref name="depth"/> nested multiparts.</summary>
    public static string ManyParts(int parts, int depth)
    {
        var text = new StringBuilder("From: a@example.com\r\nSubject: many parts\r\nMIME-Version: 1.0\r\n");
        for (var level = 0; level < depth; level++)
        {
            text.Append($"Content-Type: multipart/mixed; boundary=\"b{level}\"\r\n\r\n--b{level}\r\n");
        }

        text.Append("Content-Type: multipart/mixed; boundary=\"p\"\r\n\r\n");
        for (var i = 0; i < parts; i++)
        {
            text.Append("--p\r\n\r\nx\r\n");
        }

        text.Append("--p--\r\n");
        for (var level = depth - 1; level >= 0; level--)
        {
            text.Append($"--b{level}--\r\n");
        }

        return text.ToString();
    }
}
