using System.Buffers;
using System.Text;
using MailCloud.Core.Sieve;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.ManageSieve.Protocol;
using MailCloud.Gateway.Security;
using Microsoft.Extensions.Logging;

namespace MailCloud.Gateway.ManageSieve.Session;

/// <summary>
/// One ManageSieve conversation (RFC 5804): capabilities, then optional STARTTLS and AUTHENTICATE, then the
/// script commands on the logged-in account's scripts. Every script stored has passed the checker.
/// </summary>
internal sealed partial class ManageSieveSession(IProtocolConnection connection, ManageSieveServices services, ILogger<ManageSieveSession> logger)
{
    private readonly ConnectionInput _input = new(connection);
    private readonly ErrorBudget _errors = new(services.Options.MaxBadCommands);
    private string? _accountId;
    private CommandOutcome _outcome;

    public async Task RunAsync(CancellationToken stopping)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, connection.ConnectionClosed);
        var cancellationToken = linked.Token;
        // RFC 5804 §1.7: the greeting is the capability list and OK.
        Capabilities();
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                var bytes = await ReadCommandAsync(cancellationToken).ConfigureAwait(false);
                if (bytes is null)
                {
                    break;
                }

                _outcome = CommandOutcome.Success;
                var (command, error) = Parse(bytes);
                var keepGoing = error is not null
                    ? BadCommand(error)
                    : await HandleAsync(command!, cancellationToken).ConfigureAwait(false);
                if (!keepGoing)
                {
                    break;
                }

                if (_errors.Record(_outcome))
                {
                    ManageSieveResponse.Bye(connection.Output, "Too many bad commands; closing");
                    break;
                }
            }

            if (stopping.IsCancellationRequested)
            {
                ManageSieveResponse.Bye(connection.Output, "Server shutting down", ManageSieveResponseCode.TryLater);
            }

            await connection.Output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away or the server stopped mid-command; the store commits each change whole or not at all.
        }
        catch (EndOfStreamException)
        {
            // The client went away inside a literal; the command was never run.
        }
    }

    /// <summary>
    /// Reads one command with its literals (RFC 5804 §4): each line ending in "{n+}" or "{n}" is followed by n
    /// octets, then the rest of the command. Null when the connection ends, or must end because a literal is
    /// larger than allowed (before login only small ones, as for IMAP).
    /// </summary>
    private async Task<byte[]?> ReadCommandAsync(CancellationToken cancellationToken)
    {
        long budget = _accountId is null ? services.Options.MaxLiteralBeforeLogin : services.Options.MaxLiteralAfterLogin;
        using var assembled = new MemoryStream();
        while (true)
        {
            var (status, line) = await _input.ReadLineAsync(services.Options.MaxCommandLineLength, LineReading.StopAtLimit, cancellationToken).ConfigureAwait(false);
            if (status == LineStatus.Closed)
            {
                return null;
            }

            if (status == LineStatus.TooLong)
            {
                // What follows may be a literal that cannot be told from commands: end the session.
                ManageSieveResponse.Bye(connection.Output, "Line too long");
                return null;
            }

            assembled.Write(line);
            if (!ManageSieveFraming.TryGetLiteralMarker(line, out var length, out _))
            {
                return assembled.ToArray();
            }

            budget -= length;
            if (budget < 0)
            {
                ManageSieveResponse.Bye(connection.Output, _accountId is null ? "Literal too large before login" : "Literal too large", ManageSieveResponseCode.QuotaMaxSize);
                return null;
            }

            // RFC 5804 §4: ManageSieve has no continuation request; the octets follow at once for "{n}" too.
            assembled.Write("\r\n"u8);
            await _input.ReadExactlyAsync(length, assembled, cancellationToken).ConfigureAwait(false);
        }
    }

    private static (ManageSieveCommand? Command, string? Error) Parse(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return (ManageSieveCommandParser.Parse(bytes), null);
        }
        catch (ManageSieveSyntaxException ex)
        {
            return (null, ex.Message);
        }
    }

    private async Task<bool> HandleAsync(ManageSieveCommand command, CancellationToken cancellationToken)
    {
        var authenticated = _accountId is not null;
        return (authenticated, command.Name) switch
        {
            (_, "CAPABILITY") => Expect(command, 0) && Capabilities(),
            (_, "LOGOUT") => Logout(command),
            (_, "NOOP") => Noop(command),
            (false, "STARTTLS") => Expect(command, 0) && await StartTlsAsync(cancellationToken).ConfigureAwait(false),
            (false, "AUTHENTICATE") => await AuthenticateAsync(command, cancellationToken).ConfigureAwait(false),
            (true, "UNAUTHENTICATE") => Expect(command, 0) && Unauthenticate(),
            (true, _) => await ScriptCommandAsync(command, cancellationToken).ConfigureAwait(false),
            _ => BadCommand("Unknown command, or not allowed before login"),
        };
    }

    private async Task<bool> ScriptCommandAsync(ManageSieveCommand command, CancellationToken cancellationToken)
    {
        var account = _accountId!;
        var store = services.Store;
        try
        {
            switch (command.Name)
            {
                case "HAVESPACE" when command.Arguments is [{ IsString: true } name, { Number: { } size }]:
                    return await store.HaveSpaceAsync(account, name.Text!, size, cancellationToken).ConfigureAwait(false) is { } refusal
                        ? Refused(refusal, "Not enough space for that script")
                        : Ok();
                case "PUTSCRIPT" when Strings(command, 2) is [var name, var content]:
                    if (services.Checker.Check(content) is { } putError)
                    {
                        return CompileError(putError);
                    }

                    await store.PutAsync(account, name, content, cancellationToken).ConfigureAwait(false);
                    LogStored(connection.ConnectionId, name);
                    return Ok();
                case "CHECKSCRIPT" when Strings(command, 1) is [var content]:
                    return services.Checker.Check(content) is { } checkError ? CompileError(checkError) : Ok();
                case "LISTSCRIPTS" when command.Arguments.Count == 0:
                    foreach (var entry in await store.ListAsync(account, cancellationToken).ConfigureAwait(false))
                    {
                        ManageSieveResponse.ScriptEntry(connection.Output, entry.Name, entry.Active);
                    }

                    return Ok();
                case "SETACTIVE" when Strings(command, 1) is [var name]:
                    await store.SetActiveAsync(account, name, cancellationToken).ConfigureAwait(false);
                    return Ok();
                case "GETSCRIPT" when Strings(command, 1) is [var name]:
                    if (await store.GetAsync(account, name, cancellationToken).ConfigureAwait(false) is not { } script)
                    {
                        return Refused(SieveRefusal.NonExistent, "No such script");
                    }

                    // RFC 5804 §2.9: the script as a literal, then OK.
                    ManageSieveResponse.String(connection.Output, script.Content);
                    connection.Output.Write("\r\n"u8);
                    return Ok();
                case "DELETESCRIPT" when Strings(command, 1) is [var name]:
                    await store.DeleteAsync(account, name, cancellationToken).ConfigureAwait(false);
                    return Ok();
                case "RENAMESCRIPT" when Strings(command, 2) is [var oldName, var newName]:
                    await store.RenameAsync(account, oldName, newName, cancellationToken).ConfigureAwait(false);
                    return Ok();
                case "HAVESPACE" or "PUTSCRIPT" or "CHECKSCRIPT" or "LISTSCRIPTS" or "SETACTIVE" or "GETSCRIPT" or "DELETESCRIPT" or "RENAMESCRIPT":
                    return BadCommand($"Wrong arguments for {command.Name}");
                default:
                    return BadCommand("Unknown command");
            }
        }
        catch (SieveScriptRefusedException ex)
        {
            return Refused(ex.Reason, ex.Message);
        }
        catch (SieveScriptStoreUnavailableException ex)
        {
            LogStorageFailed(ex, connection.ConnectionId, command.Name);
            return Error("Scripts temporarily unavailable", ManageSieveResponseCode.TryLater);
        }
    }

    /// <summary>RFC 5804 §1.7.</summary>
    private bool Capabilities()
    {
        var output = connection.Output;
        ManageSieveResponse.Line(output, "IMPLEMENTATION", "MailCloud");
        // No mechanism is offered where a password would travel in clear (as POP3 and IMAP do).
        ManageSieveResponse.Line(output, "SASL", _accountId is null && PlaintextAllowed ? string.Join(' ', SaslExchange.MechanismNames) : "");
        ManageSieveResponse.Line(output, "SIEVE", string.Join(' ', services.Checker.Extensions));
        if (_accountId is null && connection.CanStartTls)
        {
            ManageSieveResponse.Line(output, "STARTTLS");
        }

        ManageSieveResponse.Line(output, "MAXREDIRECTS", services.Options.MaxRedirects.ToString(System.Globalization.CultureInfo.InvariantCulture));
        ManageSieveResponse.Line(output, "UNAUTHENTICATE");
        ManageSieveResponse.Line(output, "VERSION", "1.0");
        return Ok();
    }

    private bool PlaintextAllowed => services.Authenticator.PlaintextAllowed(connection);

    /// <summary>RFC 5804 §2.3: OK, then the server closes.</summary>
    private bool Logout(ManageSieveCommand command)
    {
        if (command.Arguments.Count != 0)
        {
            return BadCommand("LOGOUT takes no arguments");
        }

        Ok("Bye");
        return false;
    }

    /// <summary>RFC 5804 §2.13: an optional string echoed in a TAG response code.</summary>
    private bool Noop(ManageSieveCommand command)
    {
        if (command.Arguments is [])
        {
            return Ok("Done");
        }

        if (Strings(command, 1) is not [var tag])
        {
            return BadCommand("NOOP takes at most one string");
        }

        var quoted = new ArrayBufferWriter<byte>();
        ManageSieveResponse.String(quoted, tag);
        return Ok("Done", "TAG " + Encoding.UTF8.GetString(quoted.WrittenSpan));
    }

    /// <summary>RFC 5804 §2.2: OK, the handshake, then the capabilities again.</summary>
    private async Task<bool> StartTlsAsync(CancellationToken cancellationToken)
    {
        if (!connection.CanStartTls)
        {
            return Error(connection.IsSecure ? "TLS is already active" : "TLS is not available");
        }

        ManageSieveResponse.Ok(connection.Output, "Begin TLS negotiation");
        var injected = await _input.StartTlsAsync(cancellationToken).ConfigureAwait(false);
        if (injected > 0)
        {
            LogDiscardedInjection(connection.ConnectionId, injected);
        }

        return Capabilities();
    }

    /// <summary>RFC 5804 §2.1: AUTHENTICATE mechanism [initial-response]; challenges and responses are strings.</summary>
    private async Task<bool> AuthenticateAsync(ManageSieveCommand command, CancellationToken cancellationToken)
    {
        if (command.Arguments.Count is 0 or > 2 || command.Arguments.Any(a => !a.IsString))
        {
            return BadCommand("AUTHENTICATE takes a mechanism and an optional initial response");
        }

        if (!SaslExchange.TryGetMechanism(command.Arguments[0].Text!, out var mechanism))
        {
            return Error("Unsupported authentication mechanism");
        }

        if (!PlaintextAllowed)
        {
            return Error("Use STARTTLS before authenticating", ManageSieveResponseCode.EncryptNeeded);
        }

        var initial = command.Arguments.Count == 2 ? command.Arguments[1].Text : null;
        var sasl = await SaslExchange.RunAsync(mechanism, initial, ChallengeAsync, cancellationToken).ConfigureAwait(false);
        return sasl.Status switch
        {
            SaslStatus.Credentials => await LoginAsync(sasl.User, sasl.Password, cancellationToken).ConfigureAwait(false),
            SaslStatus.Cancelled => Error("Authentication cancelled"),
            SaslStatus.AuthorizationDenied => Error("Authorization identity differs from authentication identity"),
            _ => BadCommand("Malformed SASL response"),
        };
    }

    /// <summary>RFC 5804 §2.1: the challenge as a string; the client answers with a string, or "*" to cancel. Null when unreadable.</summary>
    private async ValueTask<string?> ChallengeAsync(string challenge, CancellationToken cancellationToken)
    {
        ManageSieveResponse.Line(connection.Output, challenge);
        var bytes = await ReadCommandAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new IOException("The client closed the connection during AUTHENTICATE.");

        // The response is a bare string; parsed behind a placeholder name, as the grammar has no rule for it alone.
        var (response, _) = Parse([.. "R "u8, .. bytes]);
        return response?.Arguments is [{ IsString: true } text] ? text.Text : null;
    }

    private async Task<bool> LoginAsync(string user, string password, CancellationToken cancellationToken)
    {
        var result = await services.Authenticator.AuthenticateAsync(
            connection.RemoteEndPoint.Address, user, password, async token => await connection.Output.FlushAsync(token).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        switch (result.Status)
        {
            case AuthenticationStatus.LockedOut:
                return Error("Too many failed logins; try again later", ManageSieveResponseCode.TryLater);
            case AuthenticationStatus.Unavailable:
                return Error("Authentication temporarily unavailable", ManageSieveResponseCode.TryLater);
            case AuthenticationStatus.Failed:
                return Error("Authentication failed");
        }

        _accountId = result.Account!.Id;
        LogLoggedIn(connection.ConnectionId, result.Account.Address);
        return Ok("Logged in");
    }

    /// <summary>RFC 5804 §2.14.1: back to the state before AUTHENTICATE.</summary>
    private bool Unauthenticate()
    {
        _accountId = null;
        return Ok();
    }

    private bool CompileError(SieveCompileError error) =>
        Error($"line {error.Line}, column {error.Column}: {error.Message}");

    /// <summary>RFC 5804 §1.3: each refusal with its response code.</summary>
    private bool Refused(SieveRefusal refusal, string text) => Error(text, refusal switch
    {
        SieveRefusal.MaxSize => ManageSieveResponseCode.QuotaMaxSize,
        SieveRefusal.MaxScripts => ManageSieveResponseCode.QuotaMaxScripts,
        SieveRefusal.NonExistent => ManageSieveResponseCode.NonExistent,
        SieveRefusal.AlreadyExists => ManageSieveResponseCode.AlreadyExists,
        SieveRefusal.Active => ManageSieveResponseCode.Active,
        _ => null,
    });

    /// <summary>The command's arguments when there are exactly <paramref name="count"/> and all are strings; otherwise empty.</summary>
    private static string[] Strings(ManageSieveCommand command, int count) =>
        command.Arguments.Count == count && command.Arguments.All(a => a.IsString) ? [.. command.Arguments.Select(a => a.Text!)] : [];

    private bool Expect(ManageSieveCommand command, int count) =>
        command.Arguments.Count == count || !BadCommand($"{command.Name} takes {count} arguments");

    private bool Ok(string? text = null, string? code = null)
    {
        ManageSieveResponse.Ok(connection.Output, text, code);
        return true;
    }

    /// <summary>Answers NO to a well-formed command that is refused: not counted (<see cref="ErrorBudget"/>).</summary>
    private bool Error(string text, string? code = null)
    {
        ManageSieveResponse.No(connection.Output, text, code);
        if (_outcome == CommandOutcome.Success)
        {
            _outcome = CommandOutcome.Refusal;
        }

        return true;
    }

    /// <summary>Answers NO to a malformed or misplaced command (ManageSieve has no BAD, RFC 5804 §1.2): counted toward <see cref="ManageSieveOptions.MaxBadCommands"/>.</summary>
    private bool BadCommand(string text)
    {
        ManageSieveResponse.No(connection.Output, text);
        _outcome = CommandOutcome.ProtocolError;
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "ManageSieve {ConnectionId}: {User} logged in")]
    private partial void LogLoggedIn(string connectionId, string user);

    [LoggerMessage(Level = LogLevel.Information, Message = "ManageSieve {ConnectionId}: stored script {Name}")]
    private partial void LogStored(string connectionId, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ManageSieve {ConnectionId}: discarded {Count} bytes pipelined after STARTTLS (command injection guard)")]
    private partial void LogDiscardedInjection(string connectionId, long count);

    [LoggerMessage(Level = LogLevel.Error, Message = "ManageSieve {ConnectionId}: storage failed during {Operation}")]
    private partial void LogStorageFailed(Exception exception, string connectionId, string operation);
}
