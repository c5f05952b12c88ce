using System.Diagnostics.CodeAnalysis;
using MailCloud.Core.Addresses;

namespace MailCloud.Core.Lists;

/// <summary>What mail to one of a list's control addresses asks for.</summary>
public enum ListCommand
{
    /// <summary><c>&lt;list&gt;-request@</c>: a command ("subscribe", "unsubscribe", "help") in the subject or the first body line.</summary>
    Request,

    /// <summary><c>&lt;list&gt;-subscribe@</c> (or <c>-join@</c>).</summary>
    Subscribe,

    /// <summary><c>&lt;list&gt;-unsubscribe@</c> (or <c>-leave@</c>); with a member token (List-Unsubscribe's mailto) it needs no confirmation.</summary>
    Unsubscribe,

    /// <summary><c>&lt;list&gt;-owner@</c>: reaches the owners; replies to moderation notices come here too.</summary>
    Owner,

    /// <summary><c>&lt;list&gt;-bounces+&lt;token&gt;@</c>: the VERP envelope sender of list mail (the token names the member).</summary>
    Bounces,

    /// <summary><c>&lt;list&gt;-confirm+&lt;token&gt;@</c>: the reply that confirms a one-time request (subscription, unsubscription, moderation).</summary>
    Confirm,
}

/// <summary>A control address resolved: the list's own address, the command and the token after '+', if any.</summary>
public sealed record ListControlAddress(EmailAddress List, ListCommand Command, string? Token);

/// <summary>
/// The grammar of a list's control addresses (RFC 2369's -request and -owner, mlmmj/ezmlm-style -subscribe and
/// -unsubscribe, Mailman-style VERP -bounces+token): <c>&lt;list&gt;-&lt;command&gt;[+&lt;token&gt;]@&lt;domain&gt;</c>.
/// Parsing does not look anything up; the directory decides whether the list exists.
/// </summary>
public static class ListAddresses
{
    private static readonly (string Suffix, ListCommand Command)[] Suffixes =
    [
        ("-request", ListCommand.Request),
        ("-subscribe", ListCommand.Subscribe),
        ("-join", ListCommand.Subscribe),
        ("-unsubscribe", ListCommand.Unsubscribe),
        ("-leave", ListCommand.Unsubscribe),
        ("-owner", ListCommand.Owner),
        ("-bounces", ListCommand.Bounces),
        ("-confirm", ListCommand.Confirm),
    ];

    /// <summary>True when <paramref name="address"/> has the form of a control address; <paramref name="control"/> names the list it would belong to.</summary>
    public static bool TryParse(EmailAddress address, [NotNullWhen(true)] out ListControlAddress? control)
    {
        control = null;
        var local = address.LocalPart;
        string? token = null;
        var plus = local.IndexOf(EmailAddress.SubaddressSeparator);
        if (plus >= 0)
        {
            token = local[(plus + 1)..];
            local = local[..plus];
        }

        foreach (var (suffix, command) in Suffixes)
        {
            if (local.Length > suffix.Length && local.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && EmailAddress.TryParse($"{local[..^suffix.Length]}@{address.Domain}", out var list))
            {
                // Only these carry a token; on the others a '+' detail is the sender's own tag and means nothing.
                var carriesToken = command is ListCommand.Bounces or ListCommand.Confirm or ListCommand.Unsubscribe;
                control = new ListControlAddress(list, command, carriesToken && !string.IsNullOrEmpty(token) ? token.ToLowerInvariant() : null);
                return true;
            }
        }

        return false;
    }

    /// <summary>The control address of <paramref name="listAddress"/> for <paramref name="command"/>, with <paramref name="token"/> after '+'.</summary>
    public static string Format(string listAddress, ListCommand command, string? token = null)
    {
        var list = EmailAddress.Parse(listAddress);
        var suffix = command switch
        {
            ListCommand.Request => "-request",
            ListCommand.Subscribe => "-subscribe",
            ListCommand.Unsubscribe => "-unsubscribe",
            ListCommand.Owner => "-owner",
            ListCommand.Bounces => "-bounces",
            ListCommand.Confirm => "-confirm",
            _ => throw new ArgumentOutOfRangeException(nameof(command), command, null),
        };
        var local = token is null ? list.LocalPart + suffix : $"{list.LocalPart}{suffix}{EmailAddress.SubaddressSeparator}{token}";
        return $"{local}@{list.Domain}";
    }
}
