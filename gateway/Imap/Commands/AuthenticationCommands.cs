using MailCloud.Gateway.Imap.Protocol;
using MailCloud.Gateway.Imap.Session;
using MailCloud.Gateway.Security;

namespace MailCloud.Gateway.Imap.Commands;

/// <summary>Any-state and not-authenticated commands (RFC 9051 §6.1, §6.2), ENABLE (RFC 5161) and ID (RFC 2971).</summary>
internal static class AuthenticationCommands
{
    // RFC 9051 §6.1.1
    public static Task<ImapCompletion> CapabilityAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        command.Arguments.ExpectEnd();
        session.Writer.Raw("* CAPABILITY ").Raw(session.Capabilities).Crlf();
        return Task.FromResult(ImapCompletion.Ok("CAPABILITY completed"));
    }

    // RFC 9051 §6.1.2: the client polls with NOOP, so the selected folder is looked at now rather
    // than at the watcher's next tick; the session writes the updates after every command.
    public static async Task<ImapCompletion> NoopAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        command.Arguments.ExpectEnd();
        if (session.Selected is { } selected)
        {
            await selected.RefreshAsync(cancellationToken).ConfigureAwait(false);
        }

        return ImapCompletion.Ok("NOOP completed");
    }

    // RFC 9051 §6.1.3
    public static Task<ImapCompletion> LogoutAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        command.Arguments.ExpectEnd();
        session.Writer.Raw("* BYE Logging out").Crlf();
        session.Logout();
        return Task.FromResult(ImapCompletion.Ok("LOGOUT completed"));
    }

    // RFC 2971 §3.1: the client's parameters are read and not kept.
    public static Task<ImapCompletion> IdAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var arguments = command.Arguments;
        if (!arguments.TryConsumeWord("NIL"))
        {
            arguments.Expect('(');
            if (!arguments.TryConsume(')'))
            {
                do
                {
                    arguments.ReadString();
                    arguments.ExpectSpace();
                    arguments.ReadNString();
                }
                while (arguments.TryConsume(' '));

                arguments.Expect(')');
            }
        }

        arguments.ExpectEnd();
        session.Writer.Raw("* ID (\"name\" \"MailCloud\" \"vendor\" \"MailCloud\")").Crlf();
        return Task.FromResult(ImapCompletion.Ok("ID completed"));
    }

    // RFC 9051 §6.2.1
    public static async Task<ImapCompletion> StartTlsAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        command.Arguments.ExpectEnd();
        if (!session.CanStartTls)
        {
            return ImapCompletion.Bad("STARTTLS is not available");
        }

        session.Writer.Raw(command.Tag).Raw(" OK Begin TLS negotiation now").Crlf();
        await session.StartTlsAsync(cancellationToken).ConfigureAwait(false);
        return ImapCompletion.AlreadySent;
    }

    // RFC 9051 §6.2.3
    public static async Task<ImapCompletion> LoginAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var user = command.Arguments.ReadAString();
        command.Arguments.ExpectSpace();
        var password = command.Arguments.ReadAString();
        command.Arguments.ExpectEnd();
        if (!session.PlaintextAuthAllowed)
        {
            return ImapCompletion.No("Plaintext login is disabled before STARTTLS", "PRIVACYREQUIRED");
        }

        return await AuthenticateUserAsync(session, user, password, cancellationToken).ConfigureAwait(false);
    }

    // RFC 9051 §6.2.2 with SASL-IR (RFC 4959): PLAIN (RFC 4616) or LOGIN, through the gateway's one SASL exchange.
    public static async Task<ImapCompletion> AuthenticateAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var name = command.Arguments.ReadAtom();
        string? initial = null;
        if (command.Arguments.TryConsume(' '))
        {
            initial = command.Arguments.ReadAtom();
        }

        command.Arguments.ExpectEnd();
        if (!SaslExchange.TryGetMechanism(name, out var mechanism))
        {
            return ImapCompletion.No($"Mechanism {name} is not supported");
        }

        if (!session.PlaintextAuthAllowed)
        {
            return ImapCompletion.No("Plaintext authentication is disabled before STARTTLS", "PRIVACYREQUIRED");
        }

        var sasl = await SaslExchange.RunAsync(mechanism, initial, session.ChallengeAsync, cancellationToken).ConfigureAwait(false);
        return sasl.Status switch
        {
            SaslStatus.Credentials => await AuthenticateUserAsync(session, sasl.User, sasl.Password, cancellationToken).ConfigureAwait(false),
            SaslStatus.Cancelled => ImapCompletion.Bad("AUTHENTICATE cancelled"),
            SaslStatus.InvalidBase64 => ImapCompletion.Bad("Invalid base64 in SASL response"),
            SaslStatus.AuthorizationDenied => ImapCompletion.No("Authorization identity differs from authentication identity", "AUTHORIZATIONFAILED"),
            _ => ImapCompletion.Bad($"Malformed {name.ToUpperInvariant()} response"),
        };
    }

    // RFC 5161 ENABLE, with IMAP4rev2 (RFC 9051 §6.3.1), UTF8=ACCEPT (RFC 6855), CONDSTORE and QRESYNC (RFC 7162 §3.2.3: QRESYNC implies CONDSTORE).
    public static Task<ImapCompletion> EnableAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var enabled = new List<string>();
        do
        {
            var capability = command.Arguments.ReadAtom().ToUpperInvariant();
            switch (capability)
            {
                case "IMAP4REV2":
                    session.Rev2Enabled = true;
                    session.Utf8Enabled = true;
                    enabled.Add("IMAP4rev2");
                    break;
                case "UTF8=ACCEPT":
                    session.Utf8Enabled = true;
                    enabled.Add("UTF8=ACCEPT");
                    break;
                case "CONDSTORE":
                    session.EnableCondStore();
                    enabled.Add("CONDSTORE");
                    break;
                case "QRESYNC":
                    session.EnableCondStore();
                    session.QresyncEnabled = true;
                    enabled.Add("QRESYNC");
                    break;
            }
        }
        while (command.Arguments.TryConsume(' '));

        command.Arguments.ExpectEnd();
        session.Writer.Raw("* ENABLED").Raw(enabled.Count > 0 ? " " + string.Join(' ', enabled) : "").Crlf();
        return Task.FromResult(ImapCompletion.Ok("ENABLE completed"));
    }

    private static async Task<ImapCompletion> AuthenticateUserAsync(ImapSession session, string user, string password, CancellationToken cancellationToken)
    {
        var result = await session.Services.Authenticator.AuthenticateAsync(
            session.Connection.RemoteEndPoint.Address, user, password, session.FlushAsync, cancellationToken).ConfigureAwait(false);
        switch (result.Status)
        {
            case AuthenticationStatus.LockedOut:
                return ImapCompletion.No("Too many failed attempts; try again later", "UNAVAILABLE");
            case AuthenticationStatus.Unavailable:
                // RFC 5530 §3 UNAVAILABLE: the directory's storage is down and no snapshot was ever read.
                return ImapCompletion.No("Storage is unavailable, try again", "UNAVAILABLE");
            case AuthenticationStatus.Failed:
                return ImapCompletion.No("Invalid credentials", "AUTHENTICATIONFAILED");
        }

        session.Authenticated(result.Account!);
        return ImapCompletion.Ok("Logged in", "CAPABILITY " + session.Capabilities);
    }
}
