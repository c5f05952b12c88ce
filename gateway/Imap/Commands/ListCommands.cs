using System.Text.RegularExpressions;
using MailCloud.Core.Mailboxes;
using MailCloud.Gateway.Imap.Protocol;
using MailCloud.Gateway.Imap.Session;

namespace MailCloud.Gateway.Imap.Commands;

/// <summary>LIST (RFC 9051 §6.3.9 with LIST-EXTENDED RFC 5258, LIST-STATUS RFC 5819, SPECIAL-USE RFC 6154) and LSUB (RFC 3501 §6.3.9).</summary>
public static class ListCommands
{
    private const char Delimiter = '/';

    public static async Task<ImapCompletion> ListAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var arguments = command.Arguments;
        var subscribedOnly = false;
        var specialUseOnly = false;
        if (arguments.TryConsume('('))
        {
            // list-select-opts; RECURSIVEMATCH and REMOTE change nothing here (no remote mailboxes, parents are listed anyway).
            while (!arguments.TryConsume(')'))
            {
                var option = arguments.ReadAtom().ToUpperInvariant();
                subscribedOnly |= option == "SUBSCRIBED";
                specialUseOnly |= option == "SPECIAL-USE";
                if (option is not ("SUBSCRIBED" or "SPECIAL-USE" or "RECURSIVEMATCH" or "REMOTE"))
                {
                    throw new ImapSyntaxException($"Unknown LIST selection option {option}");
                }

                arguments.TryConsume(' ');
            }

            arguments.ExpectSpace();
        }

        var reference = session.DecodeListPattern(arguments.ReadAString());
        arguments.ExpectSpace();
        var patterns = new List<string>();
        if (arguments.TryConsume('('))
        {
            do
            {
                patterns.Add(session.DecodeListPattern(arguments.ReadListMailbox()));
            }
            while (arguments.TryConsume(' '));

            arguments.Expect(')');
        }
        else
        {
            patterns.Add(session.DecodeListPattern(arguments.ReadListMailbox()));
        }

        var returnSubscribed = subscribedOnly;
        IReadOnlyList<string>? statusItems = null;
        if (arguments.TryConsume(' '))
        {
            if (!arguments.TryConsumeWord("RETURN"))
            {
                throw new ImapSyntaxException("Expected RETURN");
            }

            arguments.ExpectSpace();
            arguments.Expect('(');
            while (!arguments.TryConsume(')'))
            {
                var option = arguments.ReadAtom().ToUpperInvariant();
                switch (option)
                {
                    case "SUBSCRIBED": returnSubscribed = true; break;
                    case "CHILDREN" or "SPECIAL-USE": break;
                    case "STATUS":
                        arguments.ExpectSpace();
                        statusItems = MailboxCommands.ReadStatusItems(arguments);
                        break;
                    default: throw new ImapSyntaxException($"Unknown LIST return option {option}");
                }

                arguments.TryConsume(' ');
            }
        }

        arguments.ExpectEnd();
        var writer = session.Writer;
        if (patterns is [""])
        {
            // RFC 9051 §6.3.9: an empty pattern asks for the delimiter and root.
            writer.Raw("* LIST (\\Noselect) \"/\" \"\"").Crlf();
            return ImapCompletion.Ok("LIST completed");
        }

        var folders = await session.Store.ListFoldersAsync(session.AccountId, cancellationToken).ConfigureAwait(false);
        var matchers = patterns.Select(p => PatternToRegex(reference + p)).ToList();
        foreach (var folder in folders.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            if (!matchers.Any(m => m.IsMatch(folder.Name))
                || (subscribedOnly && !folder.Subscribed)
                || (specialUseOnly && folder.SpecialUse is SpecialUse.None or SpecialUse.Inbox))
            {
                continue;
            }

            var attributes = new List<string>
            {
                folders.Any(f => f.Name.StartsWith(folder.Name + Delimiter, StringComparison.Ordinal)) ? "\\HasChildren" : "\\HasNoChildren",
            };
            if (returnSubscribed && folder.Subscribed)
            {
                attributes.Add("\\Subscribed");
            }

            if (SpecialUseCodec.Attribute(folder.SpecialUse) is { } specialUse)
            {
                attributes.Add(specialUse);
            }

            var encoded = session.EncodeMailboxName(folder.Name);
            writer.Raw("* LIST (").Raw(string.Join(' ', attributes)).Raw(") \"/\" ").String(encoded).Crlf();
            if (statusItems is not null)
            {
                await MailboxCommands.WriteStatusAsync(session, folder.Name, statusItems, cancellationToken).ConfigureAwait(false);
            }
        }

        return ImapCompletion.Ok("LIST completed");
    }

    public static async Task<ImapCompletion> LsubAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var reference = session.DecodeListPattern(command.Arguments.ReadAString());
        command.Arguments.ExpectSpace();
        var pattern = PatternToRegex(reference + session.DecodeListPattern(command.Arguments.ReadListMailbox()));
        command.Arguments.ExpectEnd();
        var folders = await session.Store.ListFoldersAsync(session.AccountId, cancellationToken).ConfigureAwait(false);
        foreach (var folder in folders.Where(f => f.Subscribed && pattern.IsMatch(f.Name)).OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            session.Writer.Raw("* LSUB () \"/\" ").String(session.EncodeMailboxName(folder.Name)).Crlf();
        }

        return ImapCompletion.Ok("LSUB completed");
    }

    /// <summary>RFC 9051 §6.3.9: "*" matches anything, "%" anything but the delimiter; "INBOX" matches in any case.</summary>
    public static Regex PatternToRegex(string pattern)
    {
        if (pattern.Length >= 5 && pattern[..5].Equals("INBOX", StringComparison.OrdinalIgnoreCase)
            && (pattern.Length == 5 || pattern[5] is '/' or '*' or '%'))
        {
            pattern = "INBOX" + pattern[5..];
        }

        var regex = "^" + string.Concat(pattern.Select(c => c switch
        {
            '*' => ".*",
            '%' => "[^/]*",
            _ => Regex.Escape(c.ToString()),
        })) + "$";
        return new Regex(regex, RegexOptions.CultureInvariant | RegexOptions.Singleline, TimeSpan.FromSeconds(1));
    }
}
