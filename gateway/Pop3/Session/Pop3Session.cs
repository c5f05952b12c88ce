using MailCloud.Core.Mailboxes;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Pop3.Protocol;
using MailCloud.Gateway.Security;
using Microsoft.Extensions.Logging;

namespace MailCloud.Gateway.Pop3.Session;

/// <summary>
/// One POP3 conversation (RFC 1939): AUTHORIZATION, then TRANSACTION on a fixed view of INBOX,
/// then UPDATE on QUIT, where (and only where) the messages marked with DELE are removed.
/// </summary>
internal sealed partial class Pop3Session(IProtocolConnection connection, Pop3Services services, ILogger<Pop3Session> logger)
{
    private const string Inbox = "INBOX";
    private const int ReadBlock = 64 * 1024;

    private readonly ConnectionInput _input = new(connection);
    private string? _user;
    private Maildrop? _maildrop;
    private readonly ErrorBudget _errors = new(services.Options.MaxBadCommands);
    private CommandOutcome _outcome;

    public async Task RunAsync(CancellationToken stopping)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, connection.ConnectionClosed);
        var cancellationToken = linked.Token;
        Pop3Reply.Ok(connection.Output, $"{services.Gateway.HostName} POP3 ready");
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                var (status, line) = await _input.ReadLineAsync(services.Options.MaxCommandLineLength, cancellationToken).ConfigureAwait(false);
                if (status == LineStatus.Closed)
                {
                    // A dropped connection never reaches UPDATE: nothing marked with DELE is removed (RFC 1939 §6).
                    return;
                }

                _outcome = CommandOutcome.Success;
                var keepGoing = status == LineStatus.TooLong
                    ? BadCommand("Line too long")
                    : await HandleLineAsync(line, cancellationToken).ConfigureAwait(false);
                if (!keepGoing)
                {
                    break;
                }

                if (_errors.Record(_outcome))
                {
                    Pop3Reply.Error(connection.Output, "Too many bad commands; closing");
                    break;
                }
            }

            if (stopping.IsCancellationRequested)
            {
                Pop3Reply.Error(connection.Output, "Server shutting down", Pop3ResponseCode.SysTemp);
            }

            await connection.Output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away or the server stopped mid-command; nothing was committed.
        }
    }

    private async Task<bool> HandleLineAsync(byte[] line, CancellationToken cancellationToken)
    {
        if (!Pop3CommandParser.TryParse(line, out var command, out var error))
        {
            return BadCommand(error);
        }

        return (_maildrop is null ? "AUTHORIZATION" : "TRANSACTION", command!.Keyword) switch
        {
            (_, "CAPA") => Capabilities(),
            (_, "QUIT") => await QuitAsync(cancellationToken).ConfigureAwait(false),
            (_, "NOOP") when _maildrop is not null => Ok(""),
            ("AUTHORIZATION", "USER") => User(command),
            ("AUTHORIZATION", "PASS") => await PassAsync(command, cancellationToken).ConfigureAwait(false),
            ("AUTHORIZATION", "AUTH") => await AuthAsync(command, cancellationToken).ConfigureAwait(false),
            ("AUTHORIZATION", "STLS") => await StartTlsAsync(cancellationToken).ConfigureAwait(false),
            ("TRANSACTION", "STAT") => Stat(),
            ("TRANSACTION", "LIST") => List(command),
            ("TRANSACTION", "UIDL") => Uidl(command),
            ("TRANSACTION", "RETR") => await RetrieveAsync(command, lineLimit: null, cancellationToken).ConfigureAwait(false),
            ("TRANSACTION", "TOP") => await TopAsync(command, cancellationToken).ConfigureAwait(false),
            ("TRANSACTION", "DELE") => Delete(command),
            ("TRANSACTION", "RSET") => Reset(),
            _ => BadCommand(_maildrop is null ? "Unknown command, or not allowed before login" : "Unknown command, or not allowed after login"),
        };
    }

    /// <summary>RFC 2449 §5.</summary>
    private bool Capabilities()
    {
        var output = connection.Output;
        Pop3Reply.Ok(output, "Capability list follows");
        Pop3Reply.Line(output, "TOP");
        Pop3Reply.Line(output, "UIDL");
        Pop3Reply.Line(output, "RESP-CODES");
        Pop3Reply.Line(output, "AUTH-RESP-CODE");
        Pop3Reply.Line(output, "PIPELINING");
        if (_maildrop is null && PlaintextAllowed)
        {
            Pop3Reply.Line(output, "USER");
            Pop3Reply.Line(output, "SASL " + string.Join(' ', SaslExchange.MechanismNames));
        }

        if (_maildrop is null && connection.CanStartTls)
        {
            Pop3Reply.Line(output, "STLS");
        }

        Pop3Reply.Line(output, "IMPLEMENTATION MailCloud");
        Pop3Reply.EndMultiline(output);
        return true;
    }

    private bool PlaintextAllowed => services.Authenticator.PlaintextAllowed(connection);

    private bool User(Pop3Command command)
    {
        if (!PlaintextAllowed)
        {
            return Error("Use STLS before sending a password", Pop3ResponseCode.Auth);
        }

        if (command.Arguments.Count != 1)
        {
            return BadCommand("USER takes one argument");
        }

        _user = command.Arguments[0];
        return Ok("Send your password");
    }

    private async Task<bool> PassAsync(Pop3Command command, CancellationToken cancellationToken)
    {
        if (_user is null)
        {
            return BadCommand("USER first");
        }

        var user = _user;
        _user = null;
        if (command.Arguments.Count != 1 || command.Arguments[0].Length == 0)
        {
            return BadCommand("PASS takes the password");
        }

        return await LoginAsync(user, command.Arguments[0], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>RFC 5034: AUTH PLAIN or LOGIN, with the initial response on the command line or after "+ ".</summary>
    private async Task<bool> AuthAsync(Pop3Command command, CancellationToken cancellationToken)
    {
        if (command.Arguments.Count == 0)
        {
            // RFC 5034 §4 leaves AUTH without a mechanism to the server; list what we offer, as CAPA SASL would.
            Pop3Reply.Ok(connection.Output, "");
            if (PlaintextAllowed)
            {
                foreach (var name in SaslExchange.MechanismNames)
                {
                    Pop3Reply.Line(connection.Output, name);
                }
            }

            Pop3Reply.EndMultiline(connection.Output);
            return true;
        }

        if (!SaslExchange.TryGetMechanism(command.Arguments[0], out var mechanism) || command.Arguments.Count > 2)
        {
            return Error("Unsupported authentication mechanism");
        }

        if (!PlaintextAllowed)
        {
            return Error("Use STLS before authenticating", Pop3ResponseCode.Auth);
        }

        var sasl = await SaslExchange.RunAsync(mechanism, command.Argument(1), ChallengeAsync, cancellationToken).ConfigureAwait(false);
        return sasl.Status switch
        {
            SaslStatus.Credentials => await LoginAsync(sasl.User, sasl.Password, cancellationToken).ConfigureAwait(false),
            SaslStatus.Cancelled => Error("Authentication cancelled"),
            SaslStatus.AuthorizationDenied => Error("Authorization identity differs from authentication identity", Pop3ResponseCode.Auth),
            _ => BadCommand($"Malformed AUTH {command.Arguments[0].ToUpperInvariant()} response"),
        };
    }

    /// <summary>RFC 5034 §4: a "+ " challenge; the client's response line, or null when it was too long.</summary>
    private async ValueTask<string?> ChallengeAsync(string challenge, CancellationToken cancellationToken)
    {
        Pop3Reply.Continue(connection.Output, challenge);
        var (status, line) = await _input.ReadLineAsync(services.Options.MaxAuthLineLength, cancellationToken).ConfigureAwait(false);
        return status switch
        {
            LineStatus.Closed => throw new IOException("The client closed the connection during AUTH."),
            LineStatus.TooLong => null,
            _ => System.Text.Encoding.ASCII.GetString(line),
        };
    }

    private async Task<bool> LoginAsync(string user, string password, CancellationToken cancellationToken)
    {
        var result = await services.Authenticator.AuthenticateAsync(
            connection.RemoteEndPoint.Address, user, password, async token => await connection.Output.FlushAsync(token).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        switch (result.Status)
        {
            case AuthenticationStatus.LockedOut:
                return Error("Too many failed logins; try again later", Pop3ResponseCode.Auth);
            case AuthenticationStatus.Unavailable:
                // Storage down and no directory snapshot read yet: temporary, the session carries on.
                return Error("Authentication temporarily unavailable", Pop3ResponseCode.SysTemp);
            case AuthenticationStatus.Failed:
                return Error("Authentication failed", Pop3ResponseCode.Auth);
        }

        var account = result.Account!;
        try
        {
            var snapshot = await services.Store.GetSnapshotAsync(account.Id, Inbox, cancellationToken).ConfigureAwait(false);
            _maildrop = new Maildrop(account.Id, snapshot);
        }
        catch (MailboxStoreUnavailableException ex)
        {
            LogStorageFailed(ex, connection.ConnectionId, "login");
            return Error("Mailbox temporarily unavailable", Pop3ResponseCode.SysTemp);
        }

        LogLoggedIn(connection.ConnectionId, account.Address, _maildrop.Count);
        return Ok($"{_maildrop.Count} messages");
    }

    /// <summary>RFC 2595 §4.</summary>
    private async Task<bool> StartTlsAsync(CancellationToken cancellationToken)
    {
        if (!connection.CanStartTls)
        {
            return Error(connection.IsSecure ? "TLS is already active" : "TLS is not available");
        }

        Pop3Reply.Ok(connection.Output, "Begin TLS negotiation");
        _user = null;
        var injected = await _input.StartTlsAsync(cancellationToken).ConfigureAwait(false);
        if (injected > 0)
        {
            LogDiscardedInjection(connection.ConnectionId, injected);
        }

        return true;
    }

    private bool Stat()
    {
        var live = _maildrop!.Live.ToList();
        return Ok($"{live.Count} {live.Sum(e => e.Message.Size)}");
    }

    private bool List(Pop3Command command) =>
        Listing(command, (number, message) => $"{number} {message.Size}");

    private bool Uidl(Pop3Command command) =>
        Listing(command, (number, message) => $"{number} {_maildrop!.UniqueId(message)}");

    /// <summary>LIST and UIDL: one message as a status line, or all as a multi-line response (RFC 1939 §5, §7).</summary>
    private bool Listing(Pop3Command command, Func<int, MessageSummary, string> describe)
    {
        if (command.Arguments.Count > 1)
        {
            return BadCommand("Too many arguments");
        }

        if (command.Argument(0) is { } argument)
        {
            return TryMessage(argument, out var number, out var message) && Ok(describe(number, message));
        }

        Pop3Reply.Ok(connection.Output, "");
        foreach (var (number, message) in _maildrop!.Live)
        {
            Pop3Reply.Line(connection.Output, describe(number, message));
        }

        Pop3Reply.EndMultiline(connection.Output);
        return true;
    }

    private Task<bool> TopAsync(Pop3Command command, CancellationToken cancellationToken)
    {
        if (command.Arguments.Count != 2 || !Pop3CommandParser.TryParseLineCount(command.Arguments[1], out var lines))
        {
            return Task.FromResult(BadCommand("TOP takes a message number and a line count"));
        }

        return RetrieveAsync(command, lines, cancellationToken);
    }

    private async Task<bool> RetrieveAsync(Pop3Command command, int? lineLimit, CancellationToken cancellationToken)
    {
        if (lineLimit is null && command.Arguments.Count != 1)
        {
            return BadCommand("RETR takes a message number");
        }

        if (!TryMessage(command.Arguments[0], out _, out var message))
        {
            return true;
        }

        Stream content;
        try
        {
            content = await services.Store.OpenMessageAsync(message, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (MessageNotFoundException)
        {
            return Error("Message was removed by another session");
        }
        catch (MailboxStoreUnavailableException ex)
        {
            LogStorageFailed(ex, connection.ConnectionId, command.Keyword);
            return Error("Message temporarily unavailable", Pop3ResponseCode.SysTemp);
        }

        await using (content.ConfigureAwait(false))
        {
            Pop3Reply.Ok(connection.Output, lineLimit is null ? $"{message.Size} octets" : "");
            var encoder = new DotStuffingEncoder(lineLimit);
            var buffer = new byte[ReadBlock];
            int read;
            while (!encoder.IsDone && (read = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                encoder.Encode(buffer.AsSpan(0, read), connection.Output);
                await connection.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            encoder.Complete(connection.Output);
        }

        return true;
    }

    private bool Delete(Pop3Command command)
    {
        if (command.Arguments.Count != 1)
        {
            return BadCommand("DELE takes a message number");
        }

        if (!TryMessage(command.Arguments[0], out var number, out _))
        {
            return true;
        }

        _maildrop!.MarkDeleted(number);
        return Ok($"Message {number} deleted");
    }

    private bool Reset()
    {
        _maildrop!.ResetDeletions();
        return Ok($"{_maildrop.Live.Count()} messages");
    }

    /// <summary>RFC 1939 §6: QUIT in TRANSACTION enters UPDATE and removes exactly the messages marked with DELE.</summary>
    private async Task<bool> QuitAsync(CancellationToken cancellationToken)
    {
        if (_maildrop is { DeletedUids.Count: > 0 } maildrop)
        {
            var uids = maildrop.DeletedUids;
            try
            {
                await services.Store.StoreFlagsAsync(maildrop.AccountId, Inbox, uids, FlagChangeMode.Add, new MessageFlags(SystemFlags.Deleted, new HashSet<string>()), unchangedSince: null, cancellationToken).ConfigureAwait(false);
                await services.Store.ExpungeAsync(maildrop.AccountId, Inbox, uids, cancellationToken).ConfigureAwait(false);
            }
            catch (MailboxStoreUnavailableException ex)
            {
                LogStorageFailed(ex, connection.ConnectionId, "QUIT");
                Error("Some deleted messages were not removed", Pop3ResponseCode.SysTemp);
                return false;
            }

            LogRemoved(connection.ConnectionId, uids.Count);
        }

        Ok($"{services.Gateway.HostName} POP3 signing off");
        return false;
    }

    private bool TryMessage(string argument, out int number, out MessageSummary message)
    {
        message = null!;
        if (!Pop3CommandParser.TryParseNumber(argument, out number))
        {
            BadCommand("Invalid message number");
            return false;
        }

        if (!_maildrop!.TryGet(number, out message))
        {
            Error("No such message");
            return false;
        }

        return true;
    }

    private bool Ok(string text)
    {
        Pop3Reply.Ok(connection.Output, text);
        return true;
    }

    /// <summary>Answers -ERR to a well-formed command that is refused: not counted (<see cref="ErrorBudget"/>).</summary>
    private bool Error(string text, string? code = null)
    {
        Pop3Reply.Error(connection.Output, text, code);
        if (_outcome == CommandOutcome.Success)
        {
            _outcome = CommandOutcome.Refusal;
        }

        return true;
    }

    /// <summary>Answers -ERR to a malformed or misplaced command: counted toward <see cref="Pop3Options.MaxBadCommands"/>.</summary>
    private bool BadCommand(string text)
    {
        Pop3Reply.Error(connection.Output, text);
        _outcome = CommandOutcome.ProtocolError;
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "POP3 {ConnectionId}: {User} logged in, {Count} messages")]
    private partial void LogLoggedIn(string connectionId, string user, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "POP3 {ConnectionId}: removed {Count} messages at QUIT")]
    private partial void LogRemoved(string connectionId, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "POP3 {ConnectionId}: discarded {Count} bytes pipelined after STLS (command injection guard)")]
    private partial void LogDiscardedInjection(string connectionId, long count);

    [LoggerMessage(Level = LogLevel.Error, Message = "POP3 {ConnectionId}: storage failed during {Operation}")]
    private partial void LogStorageFailed(Exception exception, string connectionId, string operation);
}
