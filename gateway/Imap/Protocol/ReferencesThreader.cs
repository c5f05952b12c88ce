using System.Text;
using MimeKit.Utils;

namespace MailCloud.Gateway.Imap.Protocol;

/// <summary>One message as THREAD=REFERENCES sees it: header fields from the index row, never the blob.</summary>
/// <param name="Number">What the response names it by (sequence number, or UID for UID THREAD).</param>
/// <param name="SequenceNumber">Breaks ties of equal sent dates (RFC 5256 §3).</param>
/// <param name="SentTicks">The sent date (Date, else INTERNALDATE) in UTC ticks.</param>
public sealed record ThreadMessage(uint Number, uint SequenceNumber, long SentTicks, string? Subject, string? MessageId, string? InReplyTo, string? References);

/// <summary>
/// The REFERENCES threading algorithm of RFC 5256 §3 (after JWZ): parent/child links from References
/// (or the first In-Reply-To id), dummy containers pruned, root threads gathered by base subject,
/// siblings sorted by sent date, written as thread-list (§4 grammar). No I/O.
/// </summary>
public static class ReferencesThreader
{
    public static string Thread(IReadOnlyList<ThreadMessage> messages)
    {
        var byId = new Dictionary<string, Container>(StringComparer.Ordinal);
        var unique = 0;
        foreach (var message in messages)
        {
            // (1) Message-ID missing or already taken: the message gets an id of its own.
            var id = FirstId(message.MessageId);
            if (id is null || (byId.TryGetValue(id, out var taken) && taken.Message is not null))
            {
                id = $"\0{unique++}";
            }

            // (1A) References, else the first In-Reply-To id; link them in order, keeping links made before and never making a loop.
            var references = Ids(message.References);
            if (references.Count == 0 && FirstId(message.InReplyTo) is { } replyTo)
            {
                references.Add(replyTo);
            }

            Container? previous = null;
            foreach (var reference in references)
            {
                var current = Find(byId, reference);
                if (previous is not null && current.Parent is null && !previous.IsDescendantOf(current) && previous != current)
                {
                    current.SetParent(previous);
                }

                previous = current;
            }

            // (1B) The message's container hangs under its last reference (a parent set before from a truncated References gives way), or under none.
            var container = Find(byId, id);
            container.Message = message;
            container.SetParent(null);
            if (previous is not null && previous != container && !previous.IsDescendantOf(container))
            {
                container.SetParent(previous);
            }
        }

        // (2) The roots, (3) without empty containers, (4) sorted by sent date.
        var roots = Prune(byId.Values.Where(c => c.Parent is null).OrderBy(c => c.Order).ToList(), root: true);
        SortTree(roots);

        // (5) Root threads with the same base subject are gathered.
        roots = GatherBySubject(roots);

        // (6) Siblings at every level, the roots too, by sent date.
        SortTree(roots);
        var output = new StringBuilder();
        foreach (var root in roots)
        {
            output.Append('(');
            Write(output, root);
            output.Append(')');
        }

        return output.ToString();
    }

    private static Container Find(Dictionary<string, Container> byId, string id)
    {
        if (!byId.TryGetValue(id, out var container))
        {
            container = new Container(byId.Count);
            byId.Add(id, container);
        }

        return container;
    }

    private static string? FirstId(string? field) => field is null ? null : MimeUtils.EnumerateReferences(field).FirstOrDefault();

    private static List<string> Ids(string? field) => field is null ? [] : [.. MimeUtils.EnumerateReferences(field)];

    /// <summary>
    /// (3) An empty container without children goes; one with children gives them to its parent, except at
    /// the root, where only a single child is promoted.
    /// </summary>
    private static List<Container> Prune(List<Container> siblings, bool root)
    {
        var kept = new List<Container>();
        foreach (var container in siblings)
        {
            var children = Prune(container.Children, root: false);
            container.Children.Clear();
            foreach (var child in children)
            {
                child.Parent = container;
                container.Children.Add(child);
            }

            if (container.Message is not null)
            {
                kept.Add(container);
            }
            else if (container.Children.Count > 0 && (!root || container.Children.Count == 1))
            {
                foreach (var child in container.Children)
                {
                    child.Parent = container.Parent;
                    kept.Add(child);
                }
            }
            else if (container.Children.Count > 0)
            {
                kept.Add(container);
            }
        }

        return kept;
    }

    private static List<Container> GatherBySubject(List<Container> roots)
    {
        var table = new Dictionary<string, Container>(StringComparer.OrdinalIgnoreCase);
        foreach (var root in roots)
        {
            var (subject, reply) = SubjectOf(root);
            if (subject.Length == 0)
            {
                continue;
            }

            // (5C) A dummy, or an original rather than a reply or forward, takes the table's place.
            if (!table.TryGetValue(subject, out var entry)
                || (root.Message is null && entry.Message is not null)
                || (SubjectOf(entry).Reply && !reply && (root.Message is null) == (entry.Message is null)))
            {
                table[subject] = root;
            }
        }

        var result = new List<Container>(roots);
        foreach (var root in roots)
        {
            var (subject, reply) = SubjectOf(root);
            if (subject.Length == 0 || !table.TryGetValue(subject, out var entry) || entry == root)
            {
                continue;
            }

            // (5D, 5E) Merge this root into the table's.
            result.Remove(root);
            if (entry.Message is null && root.Message is null)
            {
                foreach (var child in root.Children.ToList())
                {
                    child.SetParent(entry);
                }
            }
            else if (entry.Message is null)
            {
                root.SetParent(entry);
            }
            else if (!SubjectOf(entry).Reply && reply)
            {
                root.SetParent(entry);
            }
            else
            {
                var dummy = new Container(int.MaxValue);
                result[result.IndexOf(entry)] = dummy;
                entry.SetParent(dummy);
                root.SetParent(dummy);
                table[subject] = dummy;
            }
        }

        return result;
    }

    /// <summary>The base subject of a container's message, or of its first child's when it is a dummy.</summary>
    private static (string Subject, bool Reply) SubjectOf(Container container)
    {
        var message = container.Message ?? container.Children.FirstOrDefault()?.Message;
        var subject = BaseSubject.Extract(message?.Subject, out var reply);
        return (subject, reply);
    }

    private static void SortTree(List<Container> siblings)
    {
        foreach (var container in siblings)
        {
            SortTree(container.Children);
        }

        siblings.Sort((a, b) =>
        {
            var (first, second) = (a.First, b.First);
            var order = first.SentTicks.CompareTo(second.SentTicks);
            return order != 0 ? order : first.SequenceNumber.CompareTo(second.SequenceNumber);
        });
    }

    /// <summary>§4: "n m" down a chain of only children, "n (a)(b)" where a message has several.</summary>
    private static void Write(StringBuilder output, Container container)
    {
        if (container.Message is { } message)
        {
            output.Append(message.Number);
        }

        if (container.Children.Count == 1)
        {
            output.Append(container.Message is null ? "" : " ");
            Write(output, container.Children[0]);
        }
        else if (container.Children.Count > 1)
        {
            output.Append(container.Message is null ? "" : " ");
            foreach (var child in container.Children)
            {
                output.Append('(');
                Write(output, child);
                output.Append(')');
            }
        }
    }

    private sealed class Container(int order)
    {
        public int Order { get; } = order;

        public ThreadMessage? Message { get; set; }

        public Container? Parent { get; set; }

        public List<Container> Children { get; } = [];

        /// <summary>The message a dummy is sorted by: its first child's (children sorted first).</summary>
        public ThreadMessage First => Message ?? Children[0].First;

        public bool IsDescendantOf(Container ancestor)
        {
            for (var current = Parent; current is not null; current = current.Parent)
            {
                if (current == ancestor)
                {
                    return true;
                }
            }

            return false;
        }

        public void SetParent(Container? parent)
        {
            Parent?.Children.Remove(this);
            Parent = parent;
            parent?.Children.Add(this);
        }
    }
}
