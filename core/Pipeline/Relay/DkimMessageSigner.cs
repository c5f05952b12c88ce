using MimeKit;
using MimeKit.Cryptography;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Pipeline.Relay;

/// <summary>Signs outgoing mail whose From: domain has a configured key (RFC 6376), so DMARC sees an aligned signature.</summary>
public sealed class DkimMessageSigner
{
    // RFC 6376 §5.4.1: the header fields a signature should cover.
    private static readonly HeaderId[] SignedHeaders =
    [
        HeaderId.From, HeaderId.Sender, HeaderId.ReplyTo, HeaderId.Subject, HeaderId.Date, HeaderId.MessageId,
        HeaderId.To, HeaderId.Cc, HeaderId.MimeVersion, HeaderId.ContentType, HeaderId.ContentTransferEncoding,
        HeaderId.InReplyTo, HeaderId.References, HeaderId.ListId, HeaderId.ListPost,
    ];

    private readonly Dictionary<string, DkimSigner> _signers;

    public DkimMessageSigner(IOptions<DkimOptions> options)
    {
        _signers = options.Value.Keys.ToDictionary(k => k.Domain.TrimEnd('.').ToLowerInvariant(), k => k.CreateSigner(), StringComparer.Ordinal);
    }

    /// <summary>Adds a DKIM-Signature when we hold a key for the From: domain. Returns the signing domain, or null.</summary>
    public string? Sign(MimeMessage message)
    {
        var from = message.From.Mailboxes.FirstOrDefault();
        if (from is null || !_signers.TryGetValue(from.Domain.ToLowerInvariant(), out var signer))
        {
            return null;
        }

        signer.Sign(message, SignedHeaders);
        return signer.Domain;
    }
}
