namespace MailCloud.Gateway.Smtp.Protocol;

/// <summary>A command line the parser refused; <see cref="Reply"/> is what the client is told.</summary>
public sealed class SmtpSyntaxException(SmtpReply reply) : Exception(reply.ToString())
{
    public SmtpReply Reply { get; } = reply;

    public static SmtpSyntaxException UnknownCommand() => new(new SmtpReply(500, "5.5.1", "Command unrecognized"));

    public static SmtpSyntaxException Syntax(string what) => new(new SmtpReply(501, "5.5.4", $"Syntax error: {what}"));

    public static SmtpSyntaxException BadParameter(string what) => new(new SmtpReply(555, "5.5.4", what));
}
