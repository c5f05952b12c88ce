using System.Buffers;
using System.Net;
using System.Text;
using MailCloud.Core.Directory;
using MailCloud.Core.Mailboxes;
using MailCloud.Core.Mailboxes.Naming;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Imap.Commands;
using MailCloud.Gateway.Imap.Protocol;
using MailCloud.Gateway.Security;
using Microsoft.Extensions.Logging;

namespace MailCloud.Gateway.Imap.Session;

/// <summary>
/// One IMAP connection: reads commands (with their literals), runs them through the state
/// machine of RFC 9051 §3, and writes responses. Holds the state a connection needs (account,
/// enabled extensions, selected folder view) and nothing larger.
/// </summary>
internal sealed partial class ImapSession
{
    /// <summary>How much of a streamed literal is sent at a time.</summary>
    private const int StreamBlock = 64 * 1024;

    private readonly ImapCommandTable _commands;
    private readonly ILogger _logger;
    private readonly ErrorBudget _errors;
    private readonly ConnectionInput _input;

    internal ImapSession(IProtocolConnection connection, ImapServices services, ImapCommandTable commands, ILogger logger)
    {
        Connection = connection;
        Services = services;
        _commands = commands;
        _logger = logger;
        _errors = new ErrorBudget(services.Options.MaxBadCommands);
        _input = new ConnectionInput(connection);
        Writer = new ImapResponseWriter(connection.Output);
    }

    public IProtocolConnection Connection { get; }

    internal ImapServices Services { get; }

    public ImapOptions Options => Services.Options;

    public IMailboxStore Store => Services.Store;

    public ImapResponseWriter Writer { get; private set; }

    public ImapState State { get; private set; } = ImapState.NotAuthenticated;

    public Account? Account { get; private set; }

    /// <summary>The authenticated account's id; only valid in the authenticated and selected states.</summary>
    public string AccountId => Account?.Id ?? throw new InvalidOperationException("Not authenticated.");

    /// <summary>The logged-in account's limits (octets, messages), which APPEND and COPY are held to inside their transactions.</summary>
    public MailboxQuota Quota => Account is { } account ? new(account.QuotaBytes, account.QuotaMessages ?? 0) : MailboxQuota.Unlimited;

    public SelectedMailbox? Selected { get; private set; }

    public SelectedMailbox RequireSelected => Selected ?? throw new InvalidOperationException("No mailbox selected.");

    /// <summary>ENABLE IMAP4rev2 (RFC 9051 §6.3.1): rev2 responses (ESEARCH, no \Recent, UTF-8 names).</summary>
    public bool Rev2Enabled { get; set; }

    /// <summary>RFC 7162: MODSEQ in unsolicited FETCH responses once the client used CONDSTORE.</summary>
    public bool CondStoreEnabled { get; set; }

    /// <summary>
    /// A CONDSTORE enabling command other than SELECT/EXAMINE (RFC 7162 §3.1): the first one in the
    /// session, with a mailbox selected, is answered with OK [HIGHESTMODSEQ] before its other
    /// responses (§3.1.2.1), as far as the client has been told of changes.
    /// </summary>
    public void EnableCondStore()
    {
        if (CondStoreEnabled)
        {
            return;
        }

        CondStoreEnabled = true;
        if (Selected is { } selected)
        {
            Writer.Raw("* OK [HIGHESTMODSEQ ").Number(selected.ReportedModSeq).Raw("] Highest").Crlf();
        }
    }

    /// <summary>ENABLE QRESYNC (RFC 7162 §3.2.3; implies CONDSTORE): VANISHED instead of EXPUNGE, and the QRESYNC SELECT parameter.</summary>
    public bool QresyncEnabled { get; set; }

    /// <summary>UTF-8 mailbox names and strings (IMAP4rev2 or ENABLE UTF8=ACCEPT, RFC 6855).</summary>
    public bool Utf8Enabled
    {
        get => Writer.Utf8Enabled;
        set => Writer.Utf8Enabled = value;
    }

    /// <summary>Plaintext passwords are refused before TLS, except from loopback when allowed (RFC 9051 §6.2.3 LOGINDISABLED).</summary>
    public bool PlaintextAuthAllowed => Services.Authenticator.PlaintextAllowed(Connection);

    public bool CanStartTls =>
        !Connection.IsSecure && Connection.Listener.Tls == TlsMode.StartTls && Services.Certificate.AuthenticationOptions is not null;

    /// <summary>The capabilities for the current state; a capability is listed only when implemented in full.</summary>
    public string Capabilities
    {
        get
        {
            var capabilities = new StringBuilder("IMAP4rev1 IMAP4rev2 LITERAL- SASL-IR ID ENABLE IDLE NAMESPACE UNSELECT UIDPLUS MULTIAPPEND BINARY MOVE SPECIAL-USE ESEARCH CONDSTORE QRESYNC UTF8=ACCEPT LIST-EXTENDED LIST-STATUS QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE STATUS=SIZE OBJECTID CREATE-SPECIAL-USE SORT SORT=DISPLAY ESORT THREAD=ORDEREDSUBJECT THREAD=REFERENCES COMPRESS=DEFLATE");
            capabilities.Append(" APPENDLIMIT=").Append(Options.AppendLimit);
            if (State == ImapState.NotAuthenticated)
            {
                if (CanStartTls)
                {
                    capabilities.Append(" STARTTLS");
                }

                capabilities.Append(PlaintextAuthAllowed ? string.Concat(SaslExchange.MechanismNames.Select(m => " AUTH=" + m)) : " LOGINDISABLED");
            }

            return capabilities.ToString();
        }
    }

    internal async Task RunAsync(CancellationToken stopping)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, Connection.ConnectionClosed);
        var cancellationToken = linked.Token;
        try
        {
            Writer.Raw("* OK [CAPABILITY ").Raw(Capabilities).Raw("] ").Raw(Services.GatewayOptions.HostName).Raw(" IMAP ready").Crlf();
            while (State != ImapState.Logout)
            {
                await using var text = await ReadCommandAsync(cancellationToken).ConfigureAwait(false);
                if (text is null)
                {
                    return;
                }

                // Replies are sent when the input runs dry (ConnectionInput), so pipelined commands are answered in one flush.
                await ExecuteAsync(text, cancellationToken).ConfigureAwait(false);
            }

            await FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested && !Connection.ConnectionClosed.IsCancellationRequested)
        {
            await SayByeAsync("Server shutting down").ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (Connection.ConnectionClosed.IsCancellationRequested)
        {
            LogClosedByClient(Connection.ConnectionId);
        }
        catch (ImapProtocolViolationException e)
        {
            LogProtocolViolation(Connection.ConnectionId, e.Message);
            await SayByeAsync(e.Message).ConfigureAwait(false);
        }
        finally
        {
            await DeselectAsync().ConfigureAwait(false);
        }
    }

    private async Task ExecuteAsync(ImapCommandText text, CancellationToken cancellationToken)
    {
        var reader = new ImapCommandReader(text);
        string tag;
        try
        {
            tag = reader.ReadTag();
        }
        catch (ImapSyntaxException)
        {
            CountBad("* BAD Missing tag");
            return;
        }

        ImapCompletion completion;
        ImapCommandDescriptor? descriptor = null;
        var uid = false;
        try
        {
            reader.ExpectSpace();
            var name = reader.ReadAtom().ToUpperInvariant();
            if (name == "UID")
            {
                uid = true;
                reader.ExpectSpace();
                name = reader.ReadAtom().ToUpperInvariant();
            }

            descriptor = _commands.Find(name, uid);
            if (descriptor is null)
            {
                completion = ImapCompletion.Bad($"Unknown command {name}");
            }
            else if ((descriptor.States & State) == 0)
            {
                completion = ImapCompletion.Bad($"{name} is not valid in this state");
            }
            else
            {
                reader.TryConsume(' ');

                completion = await descriptor.Handler(this, new ImapCommand(tag, name, uid, reader), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (ImapSyntaxException e)
        {
            completion = ImapCompletion.Bad(e.Message);
        }
        catch (ImapNoException e)
        {
            completion = ImapCompletion.No(e.Message, e.ResponseCode);
        }
        catch (FolderNotFoundException e)
        {
            completion = ImapCompletion.No($"No such mailbox: {e.Folder}", "NONEXISTENT");
        }
        catch (FolderAlreadyExistsException)
        {
            completion = ImapCompletion.No("Mailbox already exists", "ALREADYEXISTS");
        }
        catch (InvalidFolderNameException e)
        {
            completion = ImapCompletion.No(e.Message, "CANNOT");
        }
        catch (MailboxQuotaExceededException e)
        {
            // RFC 9208 §4.3: the change would exceed the quota; nothing was stored. The QUOTA response says how full it is.
            QuotaCommands.WriteQuota(Writer, e.Usage, e.Quota);
            completion = ImapCompletion.No("Quota exceeded", "OVERQUOTA");
        }
        catch (FolderLimitExceededException e)
        {
            // RFC 5530 §3 LIMIT.
            completion = ImapCompletion.No(e.Message, "LIMIT");
        }
        catch (Exception e) when (e is MailboxStoreUnavailableException or DirectoryUnavailableException)
        {
            // RFC 5530 §3 UNAVAILABLE: temporary; the session carries on. (A login while the
            // directory's storage is down and no snapshot was ever read gets here too.)
            LogStorageFailed(e, descriptor?.Name, Connection.ConnectionId);
            completion = ImapCompletion.No("Storage is unavailable, try again", "UNAVAILABLE");
        }

        if (Selected is not null && State == ImapState.Selected && descriptor is not null)
        {
            WriteUpdates(await TakeUpdatesAsync(descriptor.AllowsExpunge(uid), cancellationToken).ConfigureAwait(false));
        }

        if (ReferenceEquals(completion, ImapCompletion.AlreadySent))
        {
            return;
        }

        WriteCompletion(tag, completion);
    }

    /// <summary>Writes a tagged completion; BAD (syntax or state) counts toward <see cref="ImapOptions.MaxBadCommands"/> (<see cref="ErrorBudget"/>), OK starts the count again.</summary>
    private void WriteCompletion(string tag, ImapCompletion completion)
    {
        Writer.Raw(tag).Raw(completion.Status switch { ImapStatus.Ok => " OK ", ImapStatus.No => " NO ", _ => " BAD " });
        if (completion.Code is not null)
        {
            Writer.Raw('[').Raw(completion.Code).Raw("] ");
        }

        Writer.Raw(completion.Text).Crlf();
        var outcome = completion.Status switch
        {
            ImapStatus.Ok => CommandOutcome.Success,
            ImapStatus.Bad => CommandOutcome.ProtocolError,
            _ => CommandOutcome.Refusal,
        };
        if (_errors.Record(outcome))
        {
            throw new ImapProtocolViolationException("Too many invalid commands");
        }
    }

    /// <summary>Writes EXPUNGE, EXISTS and FETCH FLAGS for changes the client has not been told about (RFC 9051 §7.5).</summary>
    public void WriteUpdates(MailboxUpdates updates)
    {
        if (QresyncEnabled && updates.ExpungedUids.Count > 0)
        {
            // RFC 7162 §3.2.10: once QRESYNC is enabled, VANISHED (without EARLIER) replaces EXPUNGE.
            Writer.Raw("* VANISHED ").Raw(SequenceSet.Format(updates.ExpungedUids)).Crlf();
        }

        foreach (var sequenceNumber in QresyncEnabled ? [] : updates.ExpungedSequenceNumbers)
        {
            Writer.Raw("* ").Number(sequenceNumber).Raw(" EXPUNGE").Crlf();
        }

        if (updates.Exists is { } exists)
        {
            // New messages may bring keywords: announced first, as Dovecot does (RFC 9051 §7.3.5).
            AnnounceKeywords(RequireSelected.Snapshot.Messages);
            Writer.Raw("* ").Number(exists).Raw(" EXISTS").Crlf();
        }

        if (updates.Recent is { } recent)
        {
            // RFC 3501 §7.3.2: the new number of \Recent messages.
            Writer.Raw("* ").Number(recent).Raw(" RECENT").Crlf();
        }

        AnnounceKeywords(updates.FlagChanges.Select(c => c.Message));
        foreach (var (sequenceNumber, message) in updates.FlagChanges)
        {
            Writer.Raw("* ").Number(sequenceNumber).Raw(" FETCH (UID ").Number(message.Uid).Raw(" FLAGS ");
            FlagCodec.Write(Writer, message.Flags, Selected?.IsRecent(message.Uid) == true);
            if (CondStoreEnabled)
            {
                Writer.Raw(" MODSEQ (").Number(message.ModSeq).Raw(')');
            }

            Writer.Raw(')').Crlf();
        }
    }

    /// <summary>
    /// What changed in the selected folder since the client was last told (see
    /// <see cref="SelectedMailbox.TakeUpdates"/>); messages that arrived since are first claimed
    /// as \Recent for an IMAP4rev1 read-write session (RFC 3501 §2.3.2: the first session told of
    /// a message has it recent).
    /// </summary>
    public async Task<MailboxUpdates> TakeUpdatesAsync(bool allowExpunge, CancellationToken cancellationToken)
    {
        var selected = RequireSelected;
        if (ClaimsRecent && selected.HasUnclaimedArrivals)
        {
            await ClaimRecentAsync(selected, cancellationToken).ConfigureAwait(false);
        }

        return selected.TakeUpdates(allowExpunge);
    }

    /// <summary>
    /// Writes FLAGS and PERMANENTFLAGS again when <paramref name="messages"/>, about to be shown in
    /// FETCH responses, carry a keyword the client has not been told of (RFC 9051 §7.3.5).
    /// </summary>
    public void AnnounceKeywords(IEnumerable<MessageSummary> messages)
    {
        if (Selected is { } selected && selected.AnnounceKeywords(messages))
        {
            FlagCodec.WriteFolderFlags(Writer, selected.AnnouncedKeywords, selected.ReadOnly);
        }
    }

    public void Authenticated(Account account)
    {
        Account = account;
        State = ImapState.Authenticated;
    }

    /// <summary>Where the mailbox the client calls <paramref name="name"/> is kept (<see cref="MailboxLocator"/>).</summary>
    public Task<MailboxLocation> LocateAsync(string name, CancellationToken cancellationToken) =>
        Services.Locator.LocateAsync(Account ?? throw new InvalidOperationException("Not authenticated."), name, cancellationToken);

    /// <summary>
    /// As <see cref="LocateAsync"/>, for a command that would change the mailbox, its messages or its name: a
    /// shared mailbox (a list archive) is refused with NOPERM (RFC 9051 §7.1).
    /// </summary>
    public async Task<MailboxLocation> LocateWritableAsync(string name, CancellationToken cancellationToken)
    {
        var location = await LocateAsync(name, cancellationToken).ConfigureAwait(false);
        return location.Shared ? throw new ImapNoException("A list archive is read-only", "NOPERM") : location;
    }

    /// <summary>The list archives the account may read, shown in the shared namespace.</summary>
    public Task<IReadOnlyList<MailboxLocation>> ListSharedAsync(CancellationToken cancellationToken) =>
        Services.Locator.ListSharedAsync(Account ?? throw new InvalidOperationException("Not authenticated."), cancellationToken);

    /// <summary>Selects <paramref name="location"/>; a shared mailbox is always read-only, since its flags are everyone's.</summary>
    public async Task SelectAsync(MailboxLocation location, bool readOnly, CancellationToken cancellationToken)
    {
        await DeselectAsync().ConfigureAwait(false);
        var selected = await SelectedMailbox.OpenAsync(Services.Watchers, location, readOnly || location.Shared, cancellationToken).ConfigureAwait(false);
        Selected = selected;
        State = ImapState.Selected;
        if (ClaimsRecent)
        {
            await ClaimRecentAsync(selected, cancellationToken).ConfigureAwait(false);
        }
        else if (!Rev2Enabled)
        {
            // RFC 3501 §6.3.2: EXAMINE shows what is recent and leaves it recent for the next SELECT.
            selected.AddRecent(new RecentClaim(selected.Snapshot.Status.FirstRecentUid, uint.MaxValue));
        }
    }

    /// <summary>\Recent is claimed by IMAP4rev1 sessions that SELECT (RFC 3501 §2.3.2); IMAP4rev2 has none (RFC 9051 Appendix E).</summary>
    private bool ClaimsRecent => !Rev2Enabled && Selected is { ReadOnly: false };

    private async Task ClaimRecentAsync(SelectedMailbox selected, CancellationToken cancellationToken)
    {
        try
        {
            var claim = await Store.ClaimRecentAsync(selected.AccountId, selected.Folder, selected.Snapshot.Status.UidNext, cancellationToken).ConfigureAwait(false);
            selected.AddRecent(claim);
        }
        catch (Exception e) when (e is MailboxStoreUnavailableException or FolderNotFoundException)
        {
            // The messages stay unclaimed: recent for the next session instead of this one.
            LogRecentClaimFailed(e, selected.Name, Connection.ConnectionId);
            var known = selected.Snapshot.Status.UidNext;
            selected.AddRecent(new RecentClaim(known, known));
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "IMAP connection {ConnectionId} closed by the client")]
    private partial void LogClosedByClient(string connectionId);

    [LoggerMessage(Level = LogLevel.Information, Message = "IMAP connection {ConnectionId} closed: {Reason}")]
    private partial void LogProtocolViolation(string connectionId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Storage failed during {Command} on {ConnectionId}")]
    private partial void LogStorageFailed(Exception exception, string? command, string connectionId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not say BYE on {ConnectionId}: {Reason}")]
    private partial void LogByeFailed(string connectionId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Discarded {Count} bytes pipelined after STARTTLS on {ConnectionId} (command injection guard)")]
    private partial void LogDiscardedInjection(string connectionId, long count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not claim the recent messages of {Folder} on {ConnectionId}")]
    private partial void LogRecentClaimFailed(Exception exception, string folder, string connectionId);

    public async Task DeselectAsync()
    {
        if (Selected is not null)
        {
            await Selected.DisposeAsync().ConfigureAwait(false);
            Selected = null;
        }

        if (State == ImapState.Selected)
        {
            State = ImapState.Authenticated;
        }
    }

    public void Logout() => State = ImapState.Logout;

    /// <summary>Converts a mailbox name from the wire: modified UTF-7 unless UTF-8 is enabled; INBOX in any case is INBOX.</summary>
    public string DecodeMailboxName(string wire)
    {
        string name;
        try
        {
            name = Utf8Enabled ? wire : ModifiedUtf7.Decode(wire);
        }
        catch (FormatException e)
        {
            throw new ImapSyntaxException($"Invalid mailbox name: {e.Message}");
        }

        name = name.TrimEnd('/');
        if (name.Equals("INBOX", StringComparison.OrdinalIgnoreCase))
        {
            return "INBOX";
        }

        return name.StartsWith("INBOX/", StringComparison.OrdinalIgnoreCase) ? "INBOX" + name[5..] : name;
    }

    /// <summary>A LIST reference or pattern from the wire: decoded like a name, but with wildcards and trailing delimiters kept.</summary>
    public string DecodeListPattern(string wire)
    {
        try
        {
            return Utf8Enabled ? wire : ModifiedUtf7.Decode(wire);
        }
        catch (FormatException e)
        {
            throw new ImapSyntaxException($"Invalid mailbox pattern: {e.Message}");
        }
    }

    public string EncodeMailboxName(string name) => Utf8Enabled ? name : ModifiedUtf7.Encode(name);

    /// <summary>RFC 9051 §6.2.2: an AUTHENTICATE challenge ("+ " and base64), and the client's response line.</summary>
    public async ValueTask<string?> ChallengeAsync(string challenge, CancellationToken cancellationToken)
    {
        Writer.Raw("+ ").Raw(challenge).Crlf();
        return await ReadLineAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new OperationCanceledException("The client went away during AUTHENTICATE.");
    }

    /// <summary>Reads one line from the client (an AUTHENTICATE response); replies written so far are sent first.</summary>
    public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var line = await ReadLineBytesAsync(LineReading.StopAtLimit, cancellationToken).ConfigureAwait(false);
        return line is null ? null : Encoding.UTF8.GetString(line);
    }

    /// <summary>Reads DONE after IDLE, which writes keepalives meanwhile: the read does not flush, IDLE does.</summary>
    public async Task<string?> ReadIdleLineAsync(CancellationToken cancellationToken)
    {
        var line = await ReadLineBytesAsync(LineReading.StopAtLimit | LineReading.NoFlush, cancellationToken).ConfigureAwait(false);
        return line is null ? null : Encoding.UTF8.GetString(line);
    }

    /// <summary>
    /// Upgrades to TLS, after the tagged OK has been written, by the rule all three protocols share
    /// (<see cref="ConnectionInput.StartTlsAsync"/>: bytes pipelined after STARTTLS are dropped), and takes the connection's new pipes.
    /// </summary>
    public async Task StartTlsAsync(CancellationToken cancellationToken)
    {
        var injected = await _input.StartTlsAsync(cancellationToken).ConfigureAwait(false);
        if (injected > 0)
        {
            LogDiscardedInjection(Connection.ConnectionId, injected);
        }

        Writer = new ImapResponseWriter(Connection.Output) { Utf8Enabled = Utf8Enabled };
    }

    /// <summary>Turns on COMPRESS=DEFLATE (RFC 4978) and takes the connection's new pipes.</summary>
    public void StartCompression()
    {
        Connection.StartCompression();
        Writer = new ImapResponseWriter(Connection.Output) { Utf8Enabled = Utf8Enabled };
    }

    /// <summary>Sends what has been written; throws <see cref="OperationCanceledException"/> when the client has gone.</summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        var result = await Connection.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (result.IsCanceled || result.IsCompleted)
        {
            throw new OperationCanceledException("The client connection is closed.");
        }
    }

    /// <summary>
    /// Streams a literal of exactly <paramref name="length"/> octets from <paramref name="source"/>
    /// ("~{n}", literal8, when <paramref name="binary"/>: RFC 3516), sending as it goes so a large
    /// message never sits in the output whole.
    /// </summary>
    public async Task WriteLiteralAsync(Stream source, long length, CancellationToken cancellationToken, bool binary = false)
    {
        Writer.LiteralHeader(length, binary);
        var output = Connection.Output;
        var remaining = length;
        while (remaining > 0)
        {
            var memory = output.GetMemory((int)Math.Min(remaining, StreamBlock));
            var read = await source.ReadAsync(memory[..(int)Math.Min(remaining, memory.Length)], cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new EndOfStreamException($"Message content ended {remaining} octets short of the announced literal.");
            }

            output.Advance(read);
            remaining -= read;
            if (output.UnflushedBytes >= StreamBlock)
            {
                await FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Reads a command: its first line, and for each line ending in a literal marker the literal and
    /// the next line. A literal the command may not have (<see cref="CommandLiteralBudget"/>) is
    /// refused before the client sends it, and the command ends there (RFC 9051 §7.5: the client
    /// gets the tagged answer instead of "+"); RFC 7889 TOOBIG for an APPEND message; RFC 7888 §4
    /// for a refused non-synchronizing literal, already on its way: the tagged answer, then the connection is closed.
    /// Null at end of input.
    /// </summary>
    private async Task<ImapCommandText?> ReadCommandAsync(CancellationToken cancellationToken)
    {
        var lines = new List<CommandLine>();
        CommandLiteralBudget? budget = null;
        try
        {
            while (true)
            {
                var line = await ReadLineBytesAsync(LineReading.StopAtLimit, cancellationToken).ConfigureAwait(false);
                if (line is null)
                {
                    await DisposeLiteralsAsync(lines).ConfigureAwait(false);
                    return null;
                }

                if (!ImapFraming.TryGetLiteralMarker(line, out var marker))
                {
                    lines.Add(new CommandLine(line, null));
                    return new ImapCommandText(lines);
                }

                budget ??= CommandLiteralBudget.For(line, State, _commands, Options);
                budget.AddLine(line.Length);
                if (budget.Admit(marker) is { } refusal)
                {
                    WriteCompletion(TagOf(lines.Count == 0 ? line : lines[0].Text.Span), refusal);
                    if (marker.NonSynchronizing)
                    {
                        // RFC 7888 §4: its octets are on their way and cannot be told from commands.
                        throw new ImapProtocolViolationException("Literal refused");
                    }

                    await DisposeLiteralsAsync(lines).ConfigureAwait(false);
                    lines.Clear();
                    budget = null;
                    continue;
                }

                if (!marker.NonSynchronizing)
                {
                    // Sent by the read below: the client waits for it before sending the octets.
                    Writer.Raw("+ Ready for literal data").Crlf();
                }

                var content = TemporaryBuffer.Create(marker.Length, Options.LiteralMemoryThreshold);
                var literal = new ImapLiteral(content, marker.Length);
                lines.Add(new CommandLine(line, literal));
                await _input.ReadExactlyAsync(marker.Length, content, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            await DisposeLiteralsAsync(lines).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A command line; a line too long ends the session, since what follows it may be a literal.</summary>
    private async Task<byte[]?> ReadLineBytesAsync(LineReading reading, CancellationToken cancellationToken)
    {
        var (status, line) = await _input.ReadLineAsync(Options.MaxLineLength, reading, cancellationToken).ConfigureAwait(false);
        return status switch
        {
            LineStatus.Line => line,
            LineStatus.TooLong => throw new ImapProtocolViolationException("Command line too long"),
            _ => null,
        };
    }

    private void CountBad(string response)
    {
        Writer.Raw(response).Crlf();
        if (_errors.Record(CommandOutcome.ProtocolError))
        {
            throw new ImapProtocolViolationException("Too many invalid commands");
        }
    }

    private async Task SayByeAsync(string reason)
    {
        try
        {
            Writer.Raw("* BYE ").Raw(reason).Crlf();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await FlushAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
        {
            LogByeFailed(Connection.ConnectionId, e.Message);
        }
    }

    private static async Task DisposeLiteralsAsync(List<CommandLine> lines)
    {
        foreach (var line in lines)
        {
            if (line.Literal is not null)
            {
                await line.Literal.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static string TagOf(ReadOnlySpan<byte> firstLine)
    {
        var space = firstLine.IndexOf((byte)' ');
        var tag = space > 0 ? firstLine[..space] : firstLine;
        return tag.Length is > 0 and <= 64 && !tag.ContainsAny("{}\"\r\n"u8) ? Encoding.ASCII.GetString(tag) : "*";
    }
}

/// <summary>The client broke the protocol badly enough that the session ends with BYE.</summary>
internal sealed class ImapProtocolViolationException(string message) : Exception(message);
