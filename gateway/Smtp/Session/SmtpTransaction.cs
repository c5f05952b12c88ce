using MailCloud.Core.Authentication.Spf;
using MailCloud.Core.Queueing;
using MailCloud.Core.Spool;
using MailCloud.Gateway.Smtp.Acceptance;
using MailCloud.Gateway.Smtp.Protocol;

namespace MailCloud.Gateway.Smtp.Session;

/// <summary>What became of a RCPT.</summary>
internal enum RecipientAddition
{
    Added,

    /// <summary>The address was already accepted; the repeat is merged.</summary>
    Repeated,

    /// <summary>The envelope would grow past its size limit: refuse this one, keep the others.</summary>
    EnvelopeFull,
}

/// <summary>One mail transaction: MAIL, RCPTs, and the content (RFC 5321 §3.3).</summary>
internal sealed class SmtpTransaction(string messageId, string mailFrom, MailParameters parameters) : IAsyncDisposable
{
    private readonly HashSet<string> _recipientKeys = new(StringComparer.Ordinal);

    /// <summary>Given at MAIL, so the envelope can be sized while recipients arrive.</summary>
    public string MessageId { get; } = messageId;

    /// <summary>MAIL FROM; empty for the null reverse-path.</summary>
    public string MailFrom { get; } = mailFrom;

    public MailParameters Parameters { get; } = parameters;

    /// <summary>Serialized bytes of the envelope this transaction will queue, recipients so far included.</summary>
    public int EnvelopeSize { get; set; }

    public List<EnvelopeRecipient> Recipients { get; } = [];

    /// <summary>BDAT: the spool blob being written across chunks.</summary>
    public ISpoolWriter? Writer { get; set; }

    public ContentSink? Sink { get; set; }

    /// <summary>The content as it arrives: the header section held back, the body streamed to <see cref="Writer"/>.</summary>
    public MessageCapture? Capture { get; set; }

    /// <summary>Our Received field, written ahead of the header section at commit.</summary>
    public string? Received { get; set; }

    /// <summary>MX only: SPF for MAIL FROM, started at MAIL and awaited when DATA ends.</summary>
    public Task<SpfCheck>? Spf { get; set; }

    public MessageContentDecoder? Decoder { get; set; }

    /// <summary>Set once a BDAT chunk was taken; DATA is then out of sequence (RFC 3030 §3).</summary>
    public bool UsesChunking { get; set; }

    /// <summary>
    /// Adds a recipient unless the envelope would then exceed <paramref name="maxEnvelopeSize"/>;
    /// a repeat of an address already accepted is quietly merged.
    /// </summary>
    public RecipientAddition AddRecipient(string key, EnvelopeRecipient recipient, int maxEnvelopeSize)
    {
        if (_recipientKeys.Contains(key))
        {
            return RecipientAddition.Repeated;
        }

        var grown = EnvelopeSize + EnvelopeSerializer.SerializedSize(recipient, followsAnother: Recipients.Count > 0);
        if (grown > maxEnvelopeSize)
        {
            return RecipientAddition.EnvelopeFull;
        }

        _recipientKeys.Add(key);
        Recipients.Add(recipient);
        EnvelopeSize = grown;
        return RecipientAddition.Added;
    }

    /// <summary>Abandons an uncommitted spool blob.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Capture is not null)
        {
            await Capture.DisposeAsync().ConfigureAwait(false);
            Capture = null;
        }

        if (Writer is not null)
        {
            await Writer.DisposeAsync().ConfigureAwait(false);
            Writer = null;
        }
    }
}
