namespace MailCloud.Core.Sieve;

/// <summary>
/// One action a script's run leaves for delivery to carry out (RFC 5228 §2.10). The interpreter
/// resolves everything a script can compute (variables, flags, the implicit keep); delivery decides
/// the rest (whether a vacation may be answered, redirect limits, where mail goes when an action fails).
/// </summary>
public abstract record SieveAction;

/// <summary>
/// <c>keep</c> (the folder is INBOX), the implicit keep, or <c>fileinto</c> (RFC 5228 §4.1, §4.3): file the message
/// with <paramref name="Flags"/> (RFC 5232; system flags as <c>\Seen</c>), creating the folder first when <paramref name="Create"/> (RFC 5490 §3.2).
/// </summary>
public sealed record FileAction(string Folder, IReadOnlySet<string> Flags, bool Create = false) : SieveAction;

/// <summary><c>redirect</c> (RFC 5228 §4.2), with or without <c>:copy</c> (RFC 3894: the interpreter has already kept or not).</summary>
public sealed record RedirectAction(string Address) : SieveAction;

/// <summary><c>reject</c> or <c>ereject</c> (RFC 5429): refuse the message with <paramref name="Reason"/>; nothing is filed.</summary>
public sealed record RejectAction(string Reason, bool Extended) : SieveAction;

/// <summary>
/// <c>vacation</c> (RFC 5230 §4): answer the sender with <paramref name="Reason"/> (a MIME entity when
/// <paramref name="ReasonIsMime"/>), at most once per sender and <paramref name="Handle"/> in <paramref name="Period"/>.
/// <paramref name="Subject"/> and <paramref name="From"/> are null when the script gave none.
/// </summary>
public sealed record VacationAction(
    string Reason,
    bool ReasonIsMime,
    string Handle,
    TimeSpan Period,
    string? Subject,
    string? From,
    IReadOnlyList<string> Addresses) : SieveAction;

/// <summary>What one run of a script decided: the actions in script order. No action at all means the message was discarded.</summary>
public sealed record SieveResult(IReadOnlyList<SieveAction> Actions);

/// <summary>
/// The message a script runs on: its envelope (RFC 5228 §5.4 <c>envelope</c>) and its content, opened only
/// when a test needs more than the headers. <paramref name="EnvelopeFrom"/> is empty for the null reverse-path.
/// <paramref name="FolderExistsAsync"/> answers <c>mailboxexists</c> (RFC 5490 §3.1) from the account's folders.
/// </summary>
public sealed record SieveMessage(
    string AccountId,
    string AccountAddress,
    string EnvelopeFrom,
    string EnvelopeTo,
    long Size,
    DateTimeOffset ReceivedAt,
    Func<CancellationToken, Task<Stream>> OpenContentAsync,
    Func<string, CancellationToken, Task<bool>> FolderExistsAsync);

/// <summary>Runs a script on a message. A script that fails at run time throws <see cref="SieveRuntimeException"/>; delivery then keeps the message.</summary>
public interface ISieveInterpreter
{
    Task<SieveResult> RunAsync(SieveScript script, SieveMessage message, CancellationToken cancellationToken);
}

/// <summary>A script failed while it ran (a missing include, a loop of includes, a limit hit): RFC 5228 §2.10.6.</summary>
public sealed class SieveRuntimeException(string message, Exception? inner = null) : Exception(message, inner);
