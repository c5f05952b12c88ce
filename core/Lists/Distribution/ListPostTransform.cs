using System.Text;
using MailCloud.Core.Addresses;
using MailCloud.Core.Directory;
using MimeKit;
using MimeKit.Cryptography;

namespace MailCloud.Core.Lists.Distribution;

/// <summary>
/// Turns a post into the list's copy: the list's header fields (replacing any a relayed post brought), the subject
/// tag once, the footer where the body allows it, and, when the author's DMARC policy demands it, the list's
/// mitigation (Mailman's dmarc_mitigate_action): From: rewritten to the list, or the post wrapped in a message
/// from the list. Everything happens before signing, so the list's DKIM signature covers the result.
/// </summary>
public static class ListPostTransform
{
    /// <param name="fields">The list copy's header fields (<see cref="ListHeaderFields.For"/>).</param>
    /// <param name="mitigate">True when the author's domain publishes p=reject or p=quarantine.</param>
    /// <param name="wrapperId">The Message-ID (without brackets) a wrapper gets, the same on every retry.</param>
    public static MimeMessage Apply(MimeMessage post, DistributionList list, IReadOnlyList<Header> fields, bool mitigate, string wrapperId)
    {
        foreach (var replaced in post.Headers.Where(ListHeaderFields.IsReplaced).ToList())
        {
            post.Headers.Remove(replaced);
        }

        var settings = list.Settings;
        var copy = post;
        if (mitigate && settings.DmarcMitigation == DmarcMitigation.Wrap)
        {
            // The post travels untouched inside, its own signature intact; tag and footer go on the wrapper.
            copy = Wrap(post, list, wrapperId);
        }
        else if (mitigate && settings.DmarcMitigation == DmarcMitigation.RewriteFrom)
        {
            RewriteFrom(post, list);
        }

        if (settings.SubjectTag is { Length: > 0 } tag && !(copy.Subject ?? "").Contains(tag, StringComparison.OrdinalIgnoreCase))
        {
            copy.Subject = string.IsNullOrWhiteSpace(copy.Subject) ? tag : $"{tag} {copy.Subject}";
        }

        if (settings.Footer is { Length: > 0 } footer)
        {
            AddFooter(copy, footer);
        }

        for (var i = fields.Count - 1; i >= 0; i--)
        {
            copy.Headers.Insert(0, fields[i]);
        }

        return copy;
    }

    /// <summary>From: "Jane Doe via team" &lt;team@…&gt;; the author into Reply-To: (Cc: when the post names a Reply-To:) and X-Original-From:.</summary>
    private static void RewriteFrom(MimeMessage post, DistributionList list)
    {
        var authors = post.From.Mailboxes.ToList();
        var original = post.Headers.FirstOrDefault(h => h.Id == HeaderId.From);
        if (authors.Count == 0 || original is null)
        {
            return;
        }

        post.Headers.Add(OriginalFrom(original));
        post.From.Clear();
        post.From.Add(ViaList(authors[0], list));
        KeepAuthorsReachable(post, authors);
    }

    /// <summary>RFC 2046 §5.2.1: the post as a message/rfc822 part of a message from the list, with the post's Subject, To, Cc and threading.</summary>
    private static MimeMessage Wrap(MimeMessage post, DistributionList list, string wrapperId)
    {
        var authors = post.From.Mailboxes.ToList();
        var wrapper = new MimeMessage();
        wrapper.Headers.Clear();

        // The trace travels on (RFC 5321 §4.4), so a copy that comes back around is still counted as a loop.
        foreach (var received in post.Headers.Where(h => h.Id == HeaderId.Received))
        {
            wrapper.Headers.Add(received.Clone());
        }

        wrapper.From.Add(authors.Count > 0 ? ViaList(authors[0], list) : new MailboxAddress(EmailAddress.Parse(list.Address).LocalPart, list.Address));
        wrapper.To.AddRange(post.To);
        wrapper.Cc.AddRange(post.Cc);
        wrapper.ReplyTo.AddRange(post.ReplyTo);
        wrapper.Subject = post.Subject ?? "";
        if (post.Headers.Contains(HeaderId.Date))
        {
            wrapper.Date = post.Date;
        }

        wrapper.MessageId = wrapperId;
        if (post.InReplyTo is { } inReplyTo)
        {
            wrapper.InReplyTo = inReplyTo;
        }

        wrapper.References.AddRange(post.References);
        if (post.Headers.FirstOrDefault(h => h.Id == HeaderId.From) is { } original)
        {
            wrapper.Headers.Add(OriginalFrom(original));
        }

        KeepAuthorsReachable(wrapper, authors);
        wrapper.Body = new MessagePart { Message = post, ContentDisposition = new ContentDisposition(ContentDisposition.Inline) };
        return wrapper;
    }

    /// <summary>Replies still reach the author: Reply-To: names them, or, when the post set its own Reply-To:, Cc: does.</summary>
    private static void KeepAuthorsReachable(MimeMessage message, IReadOnlyList<MailboxAddress> authors)
    {
        var target = message.ReplyTo.Count == 0 ? message.ReplyTo : message.Cc;
        foreach (var author in authors.Where(a => !target.Mailboxes.Any(m => string.Equals(m.Address, a.Address, StringComparison.OrdinalIgnoreCase))))
        {
            target.Add(author);
        }
    }

    private static MailboxAddress ViaList(MailboxAddress author, DistributionList list)
    {
        // The author's address stays out of the display name: another domain there looks like spoofing to filters.
        var name = string.IsNullOrWhiteSpace(author.Name) ? author.LocalPart : author.Name;
        return new MailboxAddress($"{name} via {EmailAddress.Parse(list.Address).LocalPart}", list.Address);
    }

    /// <summary>The original From: field's value as it came (its encoded words included).</summary>
    private static Header OriginalFrom(Header from) =>
        Header.TryParse($"X-Original-From:{Encoding.UTF8.GetString(from.RawValue)}", out var header) ? header : new Header("X-Original-From", from.Value);

    /// <summary>
    /// A plain-text post gets the footer appended; a multipart/mixed one a text/plain part at its end; other bodies are
    /// put in a multipart/mixed with the footer after them. Signed or encrypted bodies are left alone (RFC 1847):
    /// any change would break them.
    /// </summary>
    private static void AddFooter(MimeMessage message, string footer)
    {
        switch (message.Body)
        {
            case null:
            case MultipartSigned or MultipartEncrypted or ApplicationPkcs7Mime:
                return;

            case TextPart { IsPlain: true, IsAttachment: false } text:
                var body = text.Text;
                var separator = body.Length == 0 || body.EndsWith('\n') ? "" : "\r\n";
                text.SetText(Encoding.UTF8, $"{body}{separator}{footer}\r\n");
                text.ContentTransferEncoding = text.GetBestEncoding(EncodingConstraint.SevenBit);
                return;

            case Multipart mixed when mixed.ContentType.IsMimeType("multipart", "mixed"):
                mixed.Add(FooterPart(footer));
                return;

            default:
                message.Body = new Multipart("mixed") { message.Body, FooterPart(footer) };
                return;
        }
    }

    private static TextPart FooterPart(string footer)
    {
        var part = new TextPart("plain") { ContentDisposition = new ContentDisposition(ContentDisposition.Inline) };
        part.SetText(Encoding.UTF8, footer);
        part.ContentTransferEncoding = part.GetBestEncoding(EncodingConstraint.SevenBit);
        return part;
    }
}
