using MailCloud.Core.Queueing;

namespace MailCloud.Core.Tests.Queueing;

/// <summary>The arithmetic producers use to keep envelopes under a transport's limit.</summary>
public sealed class EnvelopeSizeTests
{
    [Fact]
    public void An_envelope_is_its_empty_size_plus_each_recipients_size()
    {
        var empty = new MessageEnvelope
        {
            MessageId = "0193a1b2c3d4e5f6a7b8c9d0e1f2a3b4",
            SpoolBlob = "2026/12/01/0193a1b2c3d4e5f6a7b8c9d0e1f2a3b4.eml",
            MailFrom = "sender@remote.test",
            Recipients = [],
            ReceivedFrom = new ReceivedFrom { RemoteIp = "203.0.113.7", Helo = "client.test" },
            ReceivedAt = DateTimeOffset.UnixEpoch,
        };
        EnvelopeRecipient[] recipients =
        [
            new() { Address = "a@example.test" },
            new() { Address = "b@example.test", OriginalRecipient = "rfc822;b+2Bx@example.test<>\"", Notify = DsnNotify.Success | DsnNotify.Delay },
            new() { Address = "jürgen@bücher.example", Notify = DsnNotify.Never },
        ];

        var counted = EnvelopeSerializer.SerializedSize(empty)
            + recipients.Select((r, i) => EnvelopeSerializer.SerializedSize(r, followsAnother: i > 0)).Sum();
        Assert.Equal(EnvelopeSerializer.SerializedSize(empty with { Recipients = recipients }), counted);
        Assert.Equal(EnvelopeSerializer.Serialize(empty with { Recipients = recipients }).ToArray().Length, counted);
    }
}
