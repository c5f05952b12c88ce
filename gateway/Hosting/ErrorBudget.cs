namespace MailCloud.Gateway.Hosting;

/// <summary>How a command ended, as far as the error budget is concerned.</summary>
public enum CommandOutcome
{
    /// <summary>The command did what was asked (SMTP 2xx/3xx, IMAP OK, POP3 +OK).</summary>
    Success,

    /// <summary>
    /// A well-formed command, in its place, that was refused (an unknown recipient, too many
    /// recipients, a wrong password, no such message, IMAP NO): not counted. RFC 5321 §4.5.3.1.10
    /// expects a client to send recipients past the limit in another transaction, so refusing them
    /// must not end the session; wrong passwords are the throttle's business.
    /// </summary>
    Refusal,

    /// <summary>A syntax or sequence error (SMTP 500–504 and 555, IMAP BAD, POP3 -ERR for a malformed or misplaced command): counted.</summary>
    ProtocolError,
}

/// <summary>
/// The one rule SMTP, IMAP and POP3 share for ending a session that talks nonsense: syntax and
/// sequence errors count, a command that succeeds starts the count again (as Dovecot does for
/// IMAP), and refusals of well-formed commands neither count nor reset. At the limit the session
/// says goodbye (421 / BYE / -ERR) and closes.
/// </summary>
public sealed class ErrorBudget(int limit)
{
    private int _errors;

    /// <summary>Consecutive protocol errors so far.</summary>
    public int Errors => _errors;

    /// <summary>Records how a command ended; true when the session must now close.</summary>
    public bool Record(CommandOutcome outcome)
    {
        switch (outcome)
        {
            case CommandOutcome.Success:
                _errors = 0;
                return false;
            case CommandOutcome.ProtocolError:
                return ++_errors >= limit;
            default:
                return false;
        }
    }
}
