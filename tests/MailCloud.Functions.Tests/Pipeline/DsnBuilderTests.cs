using MailCloud.Core.Pipeline.Bounce;
using MailCloud.Core.Pipeline.Relay;
using MailCloud.Core.Queueing;
using MailCloud.Functions.Tests.Support;
using MimeKit;

namespace MailCloud.Functions.Tests.Pipeline;

public sealed class DsnBuilderTests
{
    [Theory]
    [InlineData(DsnReturn.Full, "message/rfc822")]
    [InlineData(DsnReturn.Headers, "text/rfc822-headers")]
    [InlineData(null, "text/rfc822-headers")]
    public void Returns_the_whole_message_only_for_ret_full(DsnReturn? ret, string returnedType)
    {
        var original = PipelineTestHost.NewMessage("sender@example.test", "bob@remote.test", "original");
        var envelope = Envelope() with { Return = ret, EnvelopeId = "env-42" };

        var dsn = DsnBuilder.Build(envelope, [new RecipientFailure(envelope.Recipients[0], "5.1.1", "550 5.1.1 no such user", "mx.remote.test")], DsnAction.Failed, original, "mx.example.test", "dsn-1", DateTimeOffset.UtcNow);

        var reparsed = MimeMessage.Load(ToStream(dsn));
        var report = Assert.IsType<MultipartReport>(reparsed.Body);
        Assert.Equal(returnedType, report[2].ContentType.MimeType);
        Assert.Equal("auto-replied", reparsed.Headers["Auto-Submitted"]);
        Assert.Equal(original.MessageId, reparsed.InReplyTo);
        var status = DsnAssert.SingleRecipient(reparsed);
        Assert.Equal("rfc822; bob@remote.test", status["Final-Recipient"]);
        Assert.Equal("dns; mx.remote.test", status["Remote-MTA"]);
        var perMessage = Assert.IsType<MessageDeliveryStatus>(report[1]).StatusGroups[0];
        Assert.Equal("env-42", perMessage["Original-Envelope-Id"]);
    }

    [Fact]
    public void Delay_notification_says_delayed()
    {
        var envelope = Envelope();
        var dsn = DsnBuilder.Build(envelope, [new RecipientFailure(envelope.Recipients[0], "4.4.1", "no answer")], DsnAction.Delayed, new MimeMessage(), "mx.example.test", "dsn-2", DateTimeOffset.UtcNow);

        Assert.Equal("delayed", DsnAssert.SingleRecipient(MimeMessage.Load(ToStream(dsn)))["Action"]);
    }

    [Fact]
    public void Without_the_original_the_report_says_its_content_is_unavailable_and_returns_nothing()
    {
        var envelope = Envelope();
        var dsn = DsnBuilder.Build(envelope, [new RecipientFailure(envelope.Recipients[0], "4.4.7", "delivery time expired")], DsnAction.Failed, null, "mx.example.test", "dsn-3", DateTimeOffset.UtcNow);

        var reparsed = MimeMessage.Load(ToStream(dsn));
        var report = Assert.IsType<MultipartReport>(reparsed.Body);
        Assert.Equal(2, report.Count);
        Assert.Contains("no longer available", Assert.IsType<TextPart>(report[0]).Text);
        Assert.Equal("4.4.7", DsnAssert.SingleRecipient(reparsed)["Status"]);
        Assert.Null(reparsed.InReplyTo);
    }

    [Fact]
    public void Retry_schedule_backs_off_and_repeats_its_last_step()
    {
        var options = new RelayOptions();

        Assert.Equal(TimeSpan.FromMinutes(5), options.RetryDelay(0));
        Assert.Equal(TimeSpan.FromMinutes(10), options.RetryDelay(1));
        Assert.Equal(TimeSpan.FromHours(8), options.RetryDelay(7));
        Assert.Equal(TimeSpan.FromHours(8), options.RetryDelay(40));
    }

    private static MessageEnvelope Envelope() => new()
    {
        MessageId = "m1",
        SpoolBlob = "2026/01/01/m1.eml",
        MailFrom = "sender@example.test",
        Recipients = [new EnvelopeRecipient { Address = "bob@remote.test", OriginalRecipient = "rfc822;bob@remote.test" }],
        ReceivedFrom = new ReceivedFrom { RemoteIp = "127.0.0.1", Helo = "client.test" },
        ReceivedAt = DateTimeOffset.UtcNow,
    };

    private static MemoryStream ToStream(MimeMessage message)
    {
        var stream = new MemoryStream();
        message.WriteTo(stream);
        stream.Position = 0;
        return stream;
    }
}
