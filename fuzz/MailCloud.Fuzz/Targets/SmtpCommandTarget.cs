using MailCloud.Gateway.Smtp.Protocol;

namespace MailCloud.Fuzz.Targets;

/// <summary>smtp-command: every line of the input through <see cref="SmtpCommandParser.Parse"/>, as <c>SmtpSession</c> hands it lines.</summary>
public static class SmtpCommandTarget
{
    public static void Run(ReadOnlySpan<byte> input)
    {
        foreach (var line in FuzzInput.Lines(input))
        {
            try
            {
                SmtpCommandParser.Parse(line);
            }
            catch (SmtpSyntaxException)
            {
                // The documented refusal: the session answers with its reply.
            }
        }
    }
}
