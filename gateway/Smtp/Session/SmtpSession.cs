using System.Net;
using System.Security.Authentication;
using System.Text;
using MailCloud.Core.Addresses;
using MailCloud.Core.Authentication;
using MailCloud.Core.Authentication.Dnsbl;
using MailCloud.Core.Directory;
using MailCloud.Core.Queueing;
using MailCloud.Core.Spool;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Smtp.Acceptance;
using MailCloud.Gateway.Security;
using MailCloud.Gateway.Smtp.Protocol;
using Microsoft.Extensions.Logging;

namespace MailCloud.Gateway.Smtp.Session;

/// <summary>
/// One SMTP session (RFC 5321 §4.1.4 command order): greeting, EHLO, optional STARTTLS and AUTH,
/// then mail transactions until QUIT. Parsing lives in <see cref="SmtpCommandParser"/>, content
/// decoding in <see cref="MessageContentDecoder"/>, storage in <see cref="MessageAcceptor"/>.
/// </summary>
internal sealed partial class SmtpSession
{
    /// <summary>
    /// The longest verdict the MX can record in an envelope: its size is reserved at MAIL, before the
    /// verdict is known, so the recipient limit keeps the envelope within a queue message.
    /// </summary>
    private static readonly EnvelopeAuthentication LargestAuthentication = new()
    {
        Spf = "temperror",
        Dkim = "temperror",
        Dmarc = "temperror",
        FromDomain = new string('x', 253),
        Author = new string('x', MessageAuthenticator.MaxAuthorLength),
        Quarantine = true,
    };

    /// <summary>RFC 4954 §4: AUTH lines (with an initial response) may be up to 12288 octets.</summary>
    private const int MaxAuthLineLength = 12288;

    private readonly IProtocolConnection _connection;
    private readonly SmtpInput _input;
    private readonly SmtpServices _services;
    private readonly CancellationToken _stopping;
    private readonly ILogger _logger;
    private string? _helo;
    private bool _extended;
    private Account? _user;
    private SmtpTransaction? _transaction;
    private readonly ErrorBudget _errors;
    private bool _closing;

    /// <summary>Greeted with 554 (RFC 5321 §3.1): only QUIT is served.</summary>
    private bool _refusedSession;

    public SmtpSession(IProtocolConnection connection, SmtpServices services, ILogger<SmtpSession> logger, CancellationToken stopping)
    {
        _connection = connection;
        _input = new SmtpInput(connection);
        _services = services;
        _stopping = stopping;
        _logger = logger;
        _errors = new ErrorBudget(services.Options.MaxErrors);
    }

    private SmtpRole Role => _connection.Listener.SmtpRole;

    private IPAddress Client => _connection.RemoteEndPoint.Address;

    private bool MayAuthenticate => Role == SmtpRole.Submission && _services.Authenticator.PlaintextAllowed(_connection);

    public async Task RunAsync()
    {
        try
        {
            await GreetAsync().ConfigureAwait(false);
            while (!_closing)
            {
                if (_stopping.IsCancellationRequested)
                {
                    Write(SmtpReplies.ShuttingDown);
                    break;
                }

                (LineStatus status, byte[] line) read;
                try
                {
                    read = await _input.ReadLineAsync(MaxAuthLineLength, _stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
                {
                    Write(SmtpReplies.ShuttingDown);
                    break;
                }

                switch (read.status)
                {
                    case LineStatus.Closed:
                        return;
                    case LineStatus.TooLong:
                        Reply(SmtpReplies.LineTooLong);
                        continue;
                }

                await HandleLineAsync(read.line).ConfigureAwait(false);
            }

            await _connection.Output.FlushAsync(_connection.ConnectionClosed).ConfigureAwait(false);
        }
        finally
        {
            await ResetTransactionAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The greeting, after what the MX checks first; a client refused there gets its reply instead
    /// of the 220, and <see cref="_closing"/> is set when the session ends with it.
    /// </summary>
    private async Task GreetAsync()
    {
        if (Role == SmtpRole.Mx && !_services.Rates.TryConnect(Client))
        {
            LogRateExceeded(Client, 421, "connections", _services.Options.ClientConnectionsPerMinute);
            Write(SmtpReplies.TooManyConnectionsPerMinute(Client));
            _closing = true;
            return;
        }

        // Asked while the greeting delay runs, so the lookup costs the client no time of its own.
        var blocklisted = Role == SmtpRole.Mx
            ? _services.Blocklists.CheckAsync(Client, _services.Options.DnsBlocklists, _connection.ConnectionClosed)
            : Task.FromResult<DnsBlocklistListing?>(null);
        var delay = _services.Options.GreetingDelay;
        if (Role == SmtpRole.Mx && delay > TimeSpan.Zero && !_connection.IsSecure)
        {
            var early = await PregreetListener.ListenAsync(_connection, delay, _services.Time).ConfigureAwait(false);
            if (early > 0)
            {
                // Its commands were written without reading our replies: nothing it sends can be trusted to be in step.
                LogEarlyTalker(Client, early);
                Write(SmtpReplies.TalkedBeforeGreeting);
                _closing = true;
                return;
            }
        }

        if (await blocklisted.ConfigureAwait(false) is { } listing)
        {
            // RFC 5321 §3.1: 554 in place of the 220, then wait for QUIT, answering 503 to anything else.
            LogBlocklisted(Client, listing.Zone, listing.Answer);
            Write(SmtpReplies.Blocklisted(Client, listing.Zone));
            _refusedSession = true;
            return;
        }

        Write(new SmtpReply(220, null, $"{_services.Gateway.HostName} ESMTP MailCloud"));
    }

    private async Task HandleLineAsync(byte[] line)
    {
        // RFC 5321 §4.5.3.1.4 limits command lines to 512 octets with CRLF; only AUTH may be longer.
        if (line.Length > SmtpCommandParser.MaxCommandLineLength - 2 && !StartsWithAuth(line))
        {
            Reply(SmtpReplies.LineTooLong);
            return;
        }

        SmtpCommand command;
        try
        {
            command = SmtpCommandParser.Parse(line);
        }
        catch (SmtpSyntaxException ex)
        {
            Reply(ex.Reply);
            return;
        }

        if (_refusedSession && command is not QuitCommand)
        {
            Reply(SmtpReplies.BadSequence);
            return;
        }

        switch (command)
        {
            case HeloCommand helo:
                await ResetTransactionAsync().ConfigureAwait(false);
                (_helo, _extended) = (helo.Identity, helo.Extended);
                Reply(helo.Extended ? EhloReply() : new SmtpReply(250, null, _services.Gateway.HostName));
                break;
            case MailCommand mail:
                await MailAsync(mail).ConfigureAwait(false);
                break;
            case RcptCommand rcpt:
                await RcptAsync(rcpt).ConfigureAwait(false);
                break;
            case DataCommand:
                await DataAsync().ConfigureAwait(false);
                break;
            case BdatCommand bdat:
                await BdatAsync(bdat).ConfigureAwait(false);
                break;
            case RsetCommand:
                await ResetTransactionAsync().ConfigureAwait(false);
                Reply(SmtpReplies.Ok);
                break;
            case NoopCommand:
                Reply(SmtpReplies.Ok);
                break;
            case QuitCommand:
                Write(new SmtpReply(221, "2.0.0", $"{_services.Gateway.HostName} closing connection"));
                _closing = true;
                break;
            case VrfyCommand:
                // RFC 5321 §3.5.3: 252 confirms nothing, so VRFY cannot be used to harvest addresses.
                Reply(new SmtpReply(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery"));
                break;
            case HelpCommand:
                Reply(new SmtpReply(214, "2.0.0", ["Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP STARTTLS AUTH", "See RFC 5321"]));
                break;
            case StartTlsCommand:
                await StartTlsAsync().ConfigureAwait(false);
                break;
            case AuthCommand auth:
                await AuthenticateAsync(auth).ConfigureAwait(false);
                break;
        }
    }

    private SmtpReply EhloReply()
    {
        // RFC 2034 §3: EHLO replies carry no enhanced status code.
        List<string> lines =
        [
            $"{_services.Gateway.HostName} greets {_helo}",
            "PIPELINING",
            $"SIZE {_services.Options.MaxMessageSize}",
            "8BITMIME",
            "SMTPUTF8",
            "ENHANCEDSTATUSCODES",
            "CHUNKING",
            "DSN",
        ];
        if (_connection.CanStartTls)
        {
            lines.Add("STARTTLS");
        }

        if (MayAuthenticate && _user is null)
        {
            lines.Add("AUTH PLAIN LOGIN");
        }

        lines.Add("HELP");
        return new SmtpReply(250, null, lines);
    }

    private async Task MailAsync(MailCommand mail)
    {
        if (_helo is null || _transaction is not null)
        {
            Reply(_helo is null ? new SmtpReply(503, "5.5.1", "Send EHLO first") : new SmtpReply(503, "5.5.1", "Nested MAIL command"));
            return;
        }

        EmailAddress? sender = null;
        if (mail.ReversePath.Length > 0)
        {
            if (await QualifyPostmasterAsync(mail.ReversePath).ConfigureAwait(false) is not { } reversePath)
            {
                Reply(SmtpReplies.DirectoryUnavailable);
                return;
            }

            if (!EmailAddress.TryParse(reversePath, out var parsed))
            {
                Reply(new SmtpReply(501, "5.1.7", "Bad sender address syntax"));
                return;
            }

            if (!mail.Parameters.SmtpUtf8 && !Ascii.IsValid(mail.ReversePath))
            {
                Reply(new SmtpReply(553, "5.6.7", "Non-ASCII sender address needs SMTPUTF8 (RFC 6531)"));
                return;
            }

            sender = parsed;
        }

        if (mail.Parameters.Size > _services.Options.MaxMessageSize)
        {
            Reply(SmtpReplies.MessageTooBig);
            return;
        }

        if (Role == SmtpRole.Mx && !_services.Rates.TryStartMessage(Client))
        {
            LogRateExceeded(Client, 451, "messages", _services.Options.ClientMessagesPerMinute);
            Reply(SmtpReplies.TooMuchMail(Client));
            return;
        }

        if (Role == SmtpRole.Submission)
        {
            if (await GetDirectoryAsync().ConfigureAwait(false) is not { } directory)
            {
                Reply(SmtpReplies.DirectoryUnavailable);
                return;
            }

            if (SmtpPolicy.CheckSender(Role, _user, directory, sender) is { } refusal)
            {
                Reply(refusal);
                return;
            }
        }

        var messageId = MessageAcceptor.NewMessageId();
        _transaction = new SmtpTransaction(messageId, sender?.ToString() ?? "", mail.Parameters);
        // The spool's own name for the blob has this length whatever the day it is written.
        _transaction.EnvelopeSize = EnvelopeSerializer.SerializedSize(BuildEnvelope(
            _transaction, SpoolBlobName.For(messageId, _services.Time.GetUtcNow()), Role == SmtpRole.Mx ? LargestAuthentication : null));
        if (Role == SmtpRole.Mx)
        {
            // RFC 7208 §2.4: checked at MAIL FROM; it runs while RCPT and DATA arrive, and is awaited when DATA ends.
            _transaction.Spf = _services.MessageAuthenticator.CheckSenderAsync(Client, _transaction.MailFrom, _helo, _services.Gateway.HostName, _connection.ConnectionClosed);
        }

        Reply(new SmtpReply(250, "2.1.0", "Sender OK"));
    }

    private async Task RcptAsync(RcptCommand rcpt)
    {
        if (_transaction is null)
        {
            Reply(new SmtpReply(503, "5.5.1", "Send MAIL first"));
            return;
        }

        if (_transaction.Recipients.Count >= _services.Options.MaxRecipients)
        {
            Reply(SmtpReplies.TooManyRecipients);
            return;
        }

        // Counted before the address is looked at, so guessing addresses costs the same as sending to them.
        if (Role == SmtpRole.Mx && !_services.Rates.TryAddRecipient(Client))
        {
            LogRateExceeded(Client, 452, "recipients", _services.Options.ClientRecipientsPerMinute);
            Reply(SmtpReplies.TooManyRecipientsPerMinute(Client));
            return;
        }

        if (await QualifyPostmasterAsync(rcpt.ForwardPath).ConfigureAwait(false) is not { } path)
        {
            Reply(SmtpReplies.DirectoryUnavailable);
            return;
        }

        if (!EmailAddress.TryParse(path, out var recipient))
        {
            Reply(new SmtpReply(501, "5.1.3", "Bad recipient address syntax"));
            return;
        }

        if (!_transaction.Parameters.SmtpUtf8 && !Ascii.IsValid(path))
        {
            Reply(new SmtpReply(553, "5.6.7", "Non-ASCII recipient address needs SMTPUTF8 (RFC 6531)"));
            return;
        }

        if (await GetDirectoryAsync().ConfigureAwait(false) is not { } directory)
        {
            Reply(SmtpReplies.DirectoryUnavailable);
            return;
        }

        if (SmtpPolicy.CheckRecipient(_user, directory, recipient) is { } refusal)
        {
            LogRecipientRefused(recipient.ToString(), refusal.Code);
            Reply(refusal);
            return;
        }

        var entry = new EnvelopeRecipient
        {
            Address = recipient.ToString(),
            Notify = rcpt.Parameters.Notify,
            OriginalRecipient = rcpt.Parameters.OriginalRecipient,
        };
        if (_transaction.AddRecipient(recipient.Key, entry, _services.Acceptor.MaxEnvelopeSize) == RecipientAddition.EnvelopeFull)
        {
            // The envelope must fit on the queue; the client sends this one and the rest in another transaction.
            Reply(SmtpReplies.TooManyRecipients);
            return;
        }

        Reply(new SmtpReply(250, "2.1.5", "Recipient OK"));
    }

    /// <summary>
    /// A bare <c>postmaster</c> as the postmaster of our primary hosted domain (RFC 5321 §4.5.1: RCPT
    /// TO:&lt;Postmaster&gt; must be accepted; MAIL FROM gets the same reading, as Postfix's myorigin
    /// gives it), any other path as it is; null when the directory cannot be read.
    /// </summary>
    private async Task<string?> QualifyPostmasterAsync(string path)
    {
        if (!path.Equals("postmaster", StringComparison.OrdinalIgnoreCase))
        {
            return path;
        }

        if (await GetDirectoryAsync().ConfigureAwait(false) is not { } directory)
        {
            return null;
        }

        // With nothing hosted, the host name's postmaster: refused later like any address we do not host.
        return $"postmaster@{SmtpPolicy.PrimaryDomain(directory, _services.Gateway.HostName) ?? _services.Gateway.HostName}";
    }

    /// <summary>
    /// The directory, or null (logged) when its storage is down and no snapshot was ever read: the
    /// caller answers 4xx (the client retries) rather than letting the session fail.
    /// </summary>
    private async Task<DirectorySnapshot?> GetDirectoryAsync()
    {
        try
        {
            return await _services.Directory.GetSnapshotAsync(_connection.ConnectionClosed).ConfigureAwait(false);
        }
        catch (DirectoryUnavailableException ex)
        {
            LogDirectoryUnavailable(ex);
            return null;
        }
    }

    private async Task DataAsync()
    {
        var refusal = RefuseContent(_transaction) ?? (_transaction!.UsesChunking ? SmtpReplies.BadSequence : null);
        if (refusal is not null)
        {
            Reply(refusal);
            return;
        }

        var transaction = _transaction!;
        transaction.Decoder = new MessageContentDecoder(dotStuffed: true, _services.Options.MaxMessageSize);
        if (!await StartContentAsync(transaction).ConfigureAwait(false))
        {
            Reply(SmtpReplies.StorageUnavailable);
            await ResetTransactionAsync().ConfigureAwait(false);
            return;
        }

        Write(SmtpReplies.StartMailInput);
        await _input.ReadDataAsync(transaction.Decoder, transaction.Sink!, _connection.ConnectionClosed).ConfigureAwait(false);
        if (transaction.Decoder.IsFatal)
        {
            // Nothing after a bare line ending can be trusted to be a command (SMTP smuggling): answer and hang up.
            LogBareLineEnding();
            Write(SmtpReplies.BareLineEnding);
            _closing = true;
        }
        else
        {
            Reply(await FinishMessageAsync(transaction).ConfigureAwait(false));
        }

        await ResetTransactionAsync().ConfigureAwait(false);
    }

    // RFC 3030 §2: the chunk is read whatever the answer, so the client and we stay in step.
    private async Task BdatAsync(BdatCommand bdat)
    {
        var transaction = _transaction;
        if (RefuseContent(transaction) is { } refusal)
        {
            await _input.ReadChunkAsync(bdat.Size, new MessageContentDecoder(false, long.MaxValue), ContentSink.Discard, _connection.ConnectionClosed).ConfigureAwait(false);
            Reply(refusal);
            return;
        }

        if (transaction!.Decoder is null)
        {
            transaction.UsesChunking = true;
            transaction.Decoder = new MessageContentDecoder(dotStuffed: false, _services.Options.MaxMessageSize);
            if (!await StartContentAsync(transaction).ConfigureAwait(false))
            {
                await _input.ReadChunkAsync(bdat.Size, transaction.Decoder, ContentSink.Discard, _connection.ConnectionClosed).ConfigureAwait(false);
                Reply(SmtpReplies.StorageUnavailable);
                await ResetTransactionAsync().ConfigureAwait(false);
                return;
            }
        }

        await _input.ReadChunkAsync(bdat.Size, transaction.Decoder, transaction.Sink!, _connection.ConnectionClosed).ConfigureAwait(false);
        if (bdat.Last)
        {
            transaction.Decoder.Finish();
        }

        if (bdat.Last || transaction.Decoder.Error != MessageContentError.None || transaction.Sink!.Failure is not null)
        {
            Reply(await FinishMessageAsync(transaction).ConfigureAwait(false));
            await ResetTransactionAsync().ConfigureAwait(false);
            return;
        }

        Reply(new SmtpReply(250, "2.0.0", $"{bdat.Size} octets received"));
    }

    private static SmtpReply? RefuseContent(SmtpTransaction? transaction) =>
        transaction is null ? new SmtpReply(503, "5.5.1", "Send MAIL first")
        : transaction.Recipients.Count == 0 ? new SmtpReply(554, "5.5.1", "No valid recipients")
        : null;

    /// <summary>Opens the spool blob and prepares the Received header; false when storage is unavailable.</summary>
    private async Task<bool> StartContentAsync(SmtpTransaction transaction)
    {
        var messageId = transaction.MessageId;
        try
        {
            transaction.Writer = await _services.Acceptor.BeginAsync(messageId, _connection.ConnectionClosed).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogSpoolUnavailable(ex);
            return false;
        }

        transaction.Capture = new MessageCapture(transaction.Writer.Content, _services.Options.MaxHeaderSize);
        transaction.Sink = new ContentSink(transaction.Capture);
        transaction.Received = ReceivedHeader.Build(
            _helo!,
            Client,
            _services.Gateway.HostName,
            WithProtocol(transaction),
            _connection.IsSecure ? $"using {TlsName(_connection.TlsProtocol)} with cipher {_connection.TlsCipherSuite}" : null,
            messageId,
            transaction.Recipients.Count == 1 ? transaction.Recipients[0].Address : null,
            _services.Time.GetUtcNow());
        return true;
    }

    private async Task<SmtpReply> FinishMessageAsync(SmtpTransaction transaction)
    {
        switch (transaction.Decoder!.Error)
        {
            case MessageContentError.BareLineEnding:
                return SmtpReplies.BareLineEnding;
            case MessageContentError.LineTooLong:
                return SmtpReplies.TextLineTooLong;
            case MessageContentError.TooLarge:
                return SmtpReplies.MessageTooBig;
        }

        if (transaction.Sink!.Failure is { } failure)
        {
            LogSpoolUnavailable(failure);
            return SmtpReplies.StorageUnavailable;
        }

        var capture = transaction.Capture!;
        if (capture.HeaderTooLarge)
        {
            return new SmtpReply(552, "5.3.4", $"Message header section exceeds {_services.Options.MaxHeaderSize} octets");
        }

        // RFC 8601 §5: an arriving Authentication-Results in our name is a forgery; only we speak for it.
        var (header, forged) = AuthenticationResultsFilter.RemoveClaimsOf(_services.Gateway.HostName, capture.Header.Span);
        if (forged > 0)
        {
            LogForgedResultsRemoved(forged);
        }

        if (Role == SmtpRole.Submission && _user is not null)
        {
            if (await GetDirectoryAsync().ConfigureAwait(false) is not { } directory)
            {
                return SmtpReplies.DirectoryUnavailable;
            }

            var readable = AuthorAddresses.TryRead(header, out var authors);
            if (SmtpPolicy.CheckAuthors(_user, directory, readable, authors) is { } refusal)
            {
                LogAuthorRefused(_user.Address, string.Join(", ", authors));
                return refusal;
            }
        }

        var trace = transaction.Received!;
        EnvelopeAuthentication? authentication = null;
        if (transaction.Spf is { } spf)
        {
            var verdict = await _services.MessageAuthenticator.AuthenticateAsync(
                _services.Gateway.HostName, await spf.ConfigureAwait(false), capture.MessageForVerification(), _connection.ConnectionClosed).ConfigureAwait(false);
            if (verdict.Reject)
            {
                // RFC 7489 §6.6.4 and §10.3: refused at the end of DATA, so nothing is stored and the sender is told.
                LogDmarcRejected(verdict.Dmarc.FromDomain);
                return new SmtpReply(550, "5.7.1", $"Message refused by the DMARC policy of {verdict.Dmarc.FromDomain}");
            }

            // RFC 8601 §5: above the trace fields that were there when we checked.
            trace = verdict.Header + trace;
            authentication = verdict.ToEnvelope();
        }

        byte[] leading = [.. Encoding.UTF8.GetBytes(trace), .. header];
        var envelope = BuildEnvelope(transaction, transaction.Writer!.SpoolBlob, authentication);
        return await _services.Acceptor.CompleteAsync(transaction.Writer, envelope, leading).ConfigureAwait(false)
            ? new SmtpReply(250, "2.0.0", $"OK: queued as {transaction.MessageId}")
            : SmtpReplies.StorageUnavailable;
    }

    /// <summary>
    /// The inbound envelope of a transaction; also sized at MAIL, before the spool blob exists and
    /// before the verdict is known (then with <see cref="LargestAuthentication"/> in its place).
    /// </summary>
    private MessageEnvelope BuildEnvelope(SmtpTransaction transaction, string spoolBlob, EnvelopeAuthentication? authentication) =>
        new()
        {
            MessageId = transaction.MessageId,
            SpoolBlob = spoolBlob,
            MailFrom = transaction.MailFrom,
            Recipients = [.. transaction.Recipients],
            ReceivedFrom = new ReceivedFrom
            {
                RemoteIp = Client.ToString(),
                Helo = _helo!,
                TlsProtocol = _connection.IsSecure ? TlsName(_connection.TlsProtocol) : null,
                TlsCipher = _connection.IsSecure ? _connection.TlsCipherSuite?.ToString() : null,
                AuthenticatedUser = _user?.Address,
                Listener = _connection.Listener.Name,
            },
            ReceivedAt = _services.Time.GetUtcNow(),
            BodyType = transaction.Parameters.Body,
            SmtpUtf8 = transaction.Parameters.SmtpUtf8,
            EnvelopeId = transaction.Parameters.EnvelopeId,
            Return = transaction.Parameters.Return,
            Authentication = authentication,
        };

    private async Task StartTlsAsync()
    {
        if (!_connection.CanStartTls)
        {
            Reply(_connection.IsSecure ? new SmtpReply(503, "5.5.1", "TLS already active") : new SmtpReply(502, "5.5.1", "STARTTLS not available"));
            return;
        }

        Write(new SmtpReply(220, "2.0.0", "Ready to start TLS"));
        try
        {
            var injected = await _input.StartTlsAsync(_connection.ConnectionClosed).ConfigureAwait(false);
            if (injected > 0)
            {
                LogDiscardedInjection(injected);
            }
        }
        catch (AuthenticationException ex)
        {
            LogTlsFailed(ex.Message);
            _closing = true;
            return;
        }

        // RFC 3207 §4.2: forget everything learned before TLS; the client starts over with EHLO.
        await ResetTransactionAsync().ConfigureAwait(false);
        (_helo, _extended, _user) = (null, false, null);
    }

    private async Task AuthenticateAsync(AuthCommand auth)
    {
        if (Role != SmtpRole.Submission)
        {
            Reply(new SmtpReply(502, "5.5.1", "AUTH not available on this port"));
            return;
        }

        if (_helo is null || _user is not null || _transaction is not null)
        {
            Reply(SmtpReplies.BadSequence);
            return;
        }

        if (!MayAuthenticate)
        {
            Reply(SmtpReplies.EncryptionRequired);
            return;
        }

        if (!SaslExchange.TryGetMechanism(auth.Mechanism, out var mechanism))
        {
            Reply(new SmtpReply(504, "5.5.4", $"Mechanism {auth.Mechanism} is not supported"));
            return;
        }

        var authenticator = _services.Authenticator;
        if (authenticator.IsLockedOut(Client))
        {
            Reply(SmtpReplies.AuthenticationLockedOut);
            return;
        }

        var sasl = await SaslExchange.RunAsync(mechanism, auth.InitialResponse, ChallengeAsync, _connection.ConnectionClosed).ConfigureAwait(false);
        switch (sasl.Status)
        {
            case SaslStatus.Cancelled:
                Reply(SmtpReplies.AuthenticationCancelled);
                return;
            case SaslStatus.InvalidBase64:
                Reply(SmtpReplies.InvalidBase64);
                return;
            case SaslStatus.Malformed:
                Reply(new SmtpReply(501, "5.5.2", $"Malformed {auth.Mechanism.ToUpperInvariant()} response"));
                return;
            case SaslStatus.AuthorizationDenied:
                // RFC 4954 §6: the authorization identity may not be used by this authentication identity.
                Reply(new SmtpReply(535, "5.7.8", "Authorization identity differs from authentication identity"));
                return;
        }

        var result = await authenticator.AuthenticateAsync(
            Client, sasl.User, sasl.Password, FlushAsync, _connection.ConnectionClosed).ConfigureAwait(false);
        switch (result.Status)
        {
            case AuthenticationStatus.Succeeded:
                _user = result.Account;
                Reply(new SmtpReply(235, "2.7.0", "Authentication successful"));
                break;
            case AuthenticationStatus.LockedOut:
                Reply(SmtpReplies.AuthenticationLockedOut);
                break;
            case AuthenticationStatus.Unavailable:
                Reply(SmtpReplies.AuthenticationUnavailable);
                break;
            default:
                Reply(SmtpReplies.AuthenticationFailed);
                break;
        }
    }

    private async ValueTask FlushAsync(CancellationToken cancellationToken) =>
        await _connection.Output.FlushAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>Sends a 334 challenge and reads the client's response line (RFC 4954 §4); null when it was too long.</summary>
    private async ValueTask<string?> ChallengeAsync(string challenge, CancellationToken cancellationToken)
    {
        Write(new SmtpReply(334, null, challenge));
        var (status, line) = await _input.ReadLineAsync(MaxAuthLineLength, cancellationToken).ConfigureAwait(false);
        return status switch
        {
            LineStatus.Closed => throw new IOException("The client closed the connection during AUTH."),
            LineStatus.TooLong => null,
            _ => Encoding.ASCII.GetString(line),
        };
    }

    private async Task ResetTransactionAsync()
    {
        if (_transaction is not null)
        {
            await _transaction.DisposeAsync().ConfigureAwait(false);
            _transaction = null;
        }
    }

    /// <summary>Writes a command's reply; syntax and sequence errors count toward <see cref="SmtpOptions.MaxErrors"/> (<see cref="ErrorBudget"/>), after which the session ends with 421.</summary>
    private void Reply(SmtpReply reply)
    {
        Write(reply);
        if (!_errors.Record(reply.Outcome))
        {
            return;
        }

        LogTooManyErrors(_errors.Errors);
        Write(SmtpReplies.TooManyErrors);
        _closing = true;
    }

    private void Write(SmtpReply reply) => reply.WriteTo(_connection.Output);

    private string WithProtocol(SmtpTransaction transaction)
    {
        // RFC 3848 and RFC 6531 §3.7.3: ESMTP/UTF8SMTP, +S under TLS, +A when authenticated.
        if (!_extended)
        {
            return "SMTP";
        }

        var with = transaction.Parameters.SmtpUtf8 ? "UTF8SMTP" : "ESMTP";
        return with + (_connection.IsSecure ? "S" : "") + (_user is not null ? "A" : "");
    }

    private static string TlsName(SslProtocols protocol) => protocol switch
    {
        SslProtocols.Tls13 => "TLSv1.3",
        SslProtocols.Tls12 => "TLSv1.2",
        _ => protocol.ToString(),
    };

    private static bool StartsWithAuth(byte[] line) =>
        line.Length > 5 && Ascii.EqualsIgnoreCase(line.AsSpan(0, 5), "AUTH "u8);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused {Client} with 554 5.5.0 and closing: {Octets} octets sent before the greeting (early talker)")]
    private partial void LogEarlyTalker(IPAddress client, long octets);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused {Client} with {Code}: over {Limit} {What} per minute")]
    private partial void LogRateExceeded(IPAddress client, int code, string what, int limit);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused {Client} with 554 5.7.1: listed by DNS blocklist {Zone} ({Answer})")]
    private partial void LogBlocklisted(IPAddress client, string zone, IPAddress answer);

    [LoggerMessage(Level = LogLevel.Information, Message = "Recipient {Recipient} refused with {Code}")]
    private partial void LogRecipientRefused(string recipient, int code);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Removed {Count} arriving Authentication-Results fields claiming our authserv-id")]
    private partial void LogForgedResultsRemoved(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused with 550 5.7.1: {User} may not send as {Authors}")]
    private partial void LogAuthorRefused(string user, string authors);

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused with 550 5.7.1: DMARC p=reject for From domain {FromDomain}")]
    private partial void LogDmarcRejected(string? fromDomain);

    [LoggerMessage(Level = LogLevel.Error, Message = "Directory unavailable; answering 4xx")]
    private partial void LogDirectoryUnavailable(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bare CR/LF or NUL in DATA; refused and closing (SMTP smuggling guard)")]
    private partial void LogBareLineEnding();

    [LoggerMessage(Level = LogLevel.Error, Message = "Spool unavailable; answering 451")]
    private partial void LogSpoolUnavailable(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Discarded {Count} bytes pipelined after STARTTLS (command injection guard)")]
    private partial void LogDiscardedInjection(long count);

    [LoggerMessage(Level = LogLevel.Information, Message = "TLS handshake failed: {Reason}")]
    private partial void LogTlsFailed(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Closing after {Errors} refused commands")]
    private partial void LogTooManyErrors(int errors);
}
