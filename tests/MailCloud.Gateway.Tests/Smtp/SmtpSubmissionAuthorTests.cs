using MailCloud.Core.Directory;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Tests.Support;
using MailCloud.Testing;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace MailCloud.Gateway.Tests.Smtp;

/// <summary>
/// Submission sends only under names the user owns: every From and Sender address, not only MAIL
/// FROM (architecture invariant 7). Refusals are 550 5.7.1 at the end of DATA and store nothing.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class SmtpSubmissionAuthorTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private GatewayTestHost? _host;

    private GatewayTestHost Host => _host!;

    public async Task InitializeAsync()
    {
        _host = await GatewayTestHost.StartAsync(azurite);
        await Host.SeedDirectoryAsync(("alice@example.test", "alice-secret"), ("ceo@example.test", "ceo-secret"));
        await Host.Services.GetRequiredService<IMailDirectory>().AddAliasAsync("sales@example.test", ["alice@example.test"], CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("alice@example.test", null)]
    [InlineData("Alice@Example.Test", null)]
    [InlineData("alice+news@example.test", null)]
    [InlineData("sales@example.test", "alice@example.test")]
    public async Task Addresses_the_user_owns_are_accepted(string from, string? sender)
    {
        await SendAsync(from, sender);

        Assert.Single(await Host.ReceiveInboundAsync());
    }

    [Theory]
    [InlineData("ceo@example.test", null)]
    [InlineData("ceo@bank.test", null)]
    [InlineData("alice@example.test", "ceo@example.test")]
    public async Task A_from_or_sender_the_user_does_not_own_is_refused_with_550_5_7_1(string from, string? sender)
    {
        var refused = await Assert.ThrowsAsync<SmtpCommandException>(() => SendAsync(from, sender));

        Assert.Equal(550, (int)refused.StatusCode);
        Assert.Contains("5.7.1", refused.Message);
        Assert.Empty(await Host.ReceiveInboundAsync());
        Assert.Equal(0, await Host.CountSpoolBlobsAsync());
    }

    [Fact]
    public async Task Two_from_addresses_must_both_be_owned()
    {
        var message = Message("alice@example.test", null);
        message.From.Add(MailboxAddress.Parse("ceo@example.test"));

        var refused = await Assert.ThrowsAsync<SmtpCommandException>(() => SendAsync(message));

        Assert.Equal(550, (int)refused.StatusCode);
    }

    private Task SendAsync(string from, string? sender) => SendAsync(Message(from, sender));

    private async Task SendAsync(MimeMessage message)
    {
        using var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true };
        await client.ConnectAsync("127.0.0.1", Host.Port(ListenerNames.Submission), SecureSocketOptions.StartTls);
        await client.AuthenticateAsync("alice@example.test", "alice-secret");
        // MAIL FROM is alice's own: the check under test is on the header fields.
        await client.SendAsync(message, MailboxAddress.Parse("alice@example.test"), [MailboxAddress.Parse("bob@remote.test")]);
        await client.DisconnectAsync(true);
    }

    private static MimeMessage Message(string from, string? sender)
    {
        var message = new MimeMessage(new[] { MailboxAddress.Parse(from) }, new[] { MailboxAddress.Parse("bob@remote.test") }, "Hello", new TextPart("plain") { Text = "Hi." });
        if (sender is not null)
        {
            message.Sender = MailboxAddress.Parse(sender);
        }

        return message;
    }
}
