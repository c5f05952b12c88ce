using System.Text.RegularExpressions;
using MailCloud.Core.Lists;
using MailCloud.Core.Mailboxes;
using MailCloud.Core.Mailboxes.Naming;
using MailCloud.Gateway.Imap.Protocol;
using MailCloud.Gateway.Imap.Session;

namespace MailCloud.Gateway.Imap.Commands;

/// <summary>
/// LIST (RFC 9051 §6.3.9 with LIST-EXTENDED RFC 5258, LIST-STATUS RFC 5819, SPECIAL-USE RFC 6154) and LSUB (RFC 3501 §6.3.9).
/// The account's own folders, then the archives of its lists in the shared namespace (<see cref="MailboxLocator"/>),
/// always subscribed, under a root that is not selectable.
/// </summary>
internal static class ListCommands
{
    private const char Delimiter = '/';

    /// <summary>The shared namespace's root ("#lists"), listed \Noselect above the archives (RFC 9051 §6.3.9).</summary>
    private static readonly string SharedRoot = ListArchive.NamespacePrefix.TrimEnd(ListArchive.HierarchyDelimiter);

    public static async Task<ImapCompletion> ListAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var arguments = command.Arguments;
        var subscribedOnly = false;
        var specialUseOnly = false;
        var recursiveMatch = false;
        if (arguments.TryConsume('('))
        {
            // list-select-opts; REMOTE changes nothing here (there are no remote mailboxes).
            while (!arguments.TryConsume(')'))
            {
                var option = arguments.ReadAtom().ToUpperInvariant();
                subscribedOnly |= option == "SUBSCRIBED";
                specialUseOnly |= option == "SPECIAL-USE";
                recursiveMatch |= option == "RECURSIVEMATCH";
                if (option is not ("SUBSCRIBED" or "SPECIAL-USE" or "RECURSIVEMATCH" or "REMOTE"))
                {
                    throw new ImapSyntaxException($"Unknown LIST selection option {option}");
                }

                arguments.TryConsume(' ');
            }

            // RFC 5258 §3: RECURSIVEMATCH qualifies another selection option; alone (or with REMOTE) it is an error.
            if (recursiveMatch && !subscribedOnly && !specialUseOnly)
            {
                throw new ImapSyntaxException("RECURSIVEMATCH must not be the only selection option");
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
        var subscriptions = subscribedOnly || returnSubscribed
            ? (await session.Store.ListSubscriptionsAsync(session.AccountId, cancellationToken).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal)
            : [];
        var matchers = patterns.Select(p => PatternToRegex(reference + p)).ToList();
        var byName = folders.ToDictionary(f => f.Name, StringComparer.Ordinal);
        var shared = (await session.ListSharedAsync(cancellationToken).ConfigureAwait(false)).Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var sharedRoot = shared.Count > 0 && !byName.ContainsKey(SharedRoot) ? SharedRoot : null;
        subscriptions.UnionWith(shared);

        // SUBSCRIBED lists subscribed names whose folder is gone (RFC 5258 §3: \NonExistent); with RECURSIVEMATCH
        // the superiors of subscribed names are candidates too, existing or not (§3.5).
        var names = folders.Select(f => f.Name).Concat(shared).Concat(sharedRoot is null ? [] : [sharedRoot]).ToHashSet(StringComparer.Ordinal);
        if (subscribedOnly)
        {
            names.UnionWith(recursiveMatch ? WithSuperiors(subscriptions) : subscriptions);
        }
        else if (recursiveMatch)
        {
            names.UnionWith(WithSuperiors(folders.Where(f => f.Subscribed).Select(f => f.Name)));
        }

        foreach (var name in names.Order(StringComparer.Ordinal))
        {
            if (!matchers.Any(m => m.IsMatch(name)))
            {
                continue;
            }

            var folder = byName.GetValueOrDefault(name);
            var isShared = shared.Contains(name);
            var isRoot = name == sharedRoot;
            var selected = (subscribedOnly ? subscriptions.Contains(name) : folder is not null || isShared || isRoot)
                && !(specialUseOnly && folder?.SpecialUse is null or SpecialUse.None or SpecialUse.Inbox);
            var childInfo = recursiveMatch && subscribedOnly && HasSubscribedDescendantOutside(name, subscriptions, matchers);
            if (!selected && !childInfo)
            {
                continue;
            }

            var attributes = new List<string>();
            if (isRoot)
            {
                attributes.Add("\\Noselect");
            }
            else if (folder is null && !isShared)
            {
                // RFC 5258 §3.4: a subscribed name or a superior that does not exist (its folder was deleted or renamed away).
                attributes.Add("\\NonExistent");
            }

            var hasChildren = folders.Select(f => f.Name).Concat(shared).Any(n => n.StartsWith(name + Delimiter, StringComparison.Ordinal));
            attributes.Add(hasChildren ? "\\HasChildren" : "\\HasNoChildren");
            if (returnSubscribed && subscriptions.Contains(name))
            {
                attributes.Add("\\Subscribed");
            }

            if (folder is not null && SpecialUseCodec.Attribute(folder.SpecialUse) is { } specialUse)
            {
                attributes.Add(specialUse);
            }

            writer.Raw("* LIST (").Raw(string.Join(' ', attributes)).Raw(") \"/\" ").String(session.EncodeMailboxName(name));

            // RFC 5258 §3.5, §4: a subscribed inferior the pattern does not reach (Dovecot's form).
            writer.Raw(childInfo ? " (CHILDINFO (\"SUBSCRIBED\"))" : "").Crlf();
            if (statusItems is not null && (folder is not null || isShared))
            {
                await MailboxCommands.WriteStatusAsync(session, name, statusItems, cancellationToken).ConfigureAwait(false);
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
        var subscribed = (await session.Store.ListSubscriptionsAsync(session.AccountId, cancellationToken).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
        subscribed.UnionWith((await session.ListSharedAsync(cancellationToken).ConfigureAwait(false)).Select(s => s.Name));
        foreach (var name in WithSuperiors(subscribed).Where(n => pattern.IsMatch(n)).Order(StringComparer.Ordinal))
        {
            // RFC 3501 §6.3.9: a subscribed name, whether its folder exists or not (as Dovecot), and a
            // superior that is not itself subscribed but has a subscribed inferior the "%" does not reach, \Noselect.
            if (subscribed.Contains(name) || HasSubscribedDescendantOutside(name, subscribed, [pattern]))
            {
                session.Writer.Raw(subscribed.Contains(name) ? "* LSUB () \"/\" " : "* LSUB (\\Noselect) \"/\" ").String(session.EncodeMailboxName(name)).Crlf();
            }
        }

        return ImapCompletion.Ok("LSUB completed");
    }

    /// <summary>The names and every superior of them, whether a folder has it or not.</summary>
    private static HashSet<string> WithSuperiors(IEnumerable<string> names)
    {
        var all = names.ToHashSet(StringComparer.Ordinal);
        all.UnionWith(all.SelectMany(FolderName.Superiors).ToList());
        return all;
    }

    /// <summary>True when a subscribed name lies below <paramref name="name"/> where no pattern reaches it.</summary>
    private static bool HasSubscribedDescendantOutside(string name, IReadOnlySet<string> subscriptions, IReadOnlyList<Regex> patterns) =>
        subscriptions.Any(s => s.StartsWith(name + Delimiter, StringComparison.Ordinal) && !patterns.Any(p => p.IsMatch(s)));

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
