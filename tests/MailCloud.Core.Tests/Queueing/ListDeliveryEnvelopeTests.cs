using MailCloud.Core.Queueing;

namespace MailCloud.Core.Tests.Queueing;

public class ListDeliveryEnvelopeTests
{
    private static readonly MessageEnvelope Envelope = new()
    {
        MessageId = "m1",
        SpoolBlob = "m1-list-0123456789ab",
        MailFrom = "team-bounces+abcdefghijklmnop@example.test",
        Recipients = [new EnvelopeRecipient { Address = "carol@remote.test" }],
        ReceivedFrom = new ReceivedFrom { RemoteIp = "192.0.2.1", Helo = "mx.gmail.test" },
        ReceivedAt = DateTimeOffset.Parse("2026-01-01T00:00:00Z"),
    };

    [Fact]
    public void A_members_list_delivery_survives_the_queue()
    {
        var delivery = new ListDelivery { List = "team@example.test", Member = "carol@remote.test", Unsubscribe = "<https://x.test/u>,\r\n <mailto:team-unsubscribe+t@example.test>" };

        var read = EnvelopeSerializer.Deserialize(EnvelopeSerializer.Serialize(Envelope with { List = delivery }));

        Assert.Equal(delivery, read.List);
    }

    [Fact]
    public void An_envelope_written_before_lists_had_deliveries_is_read_without_one()
    {
        var json = EnvelopeSerializer.Serialize(Envelope).ToString();
        Assert.DoesNotContain("\"List\"", json, StringComparison.OrdinalIgnoreCase);

        Assert.Null(EnvelopeSerializer.Deserialize(BinaryData.FromString(json)).List);
    }
}
