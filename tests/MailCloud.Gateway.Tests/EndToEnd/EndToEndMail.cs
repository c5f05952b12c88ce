using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Tests.Support;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace MailCloud.Gateway.Tests.EndToEnd;

/// <summary>What the end-to-end tests do with a running gateway: send over the MX or submission with MailKit, read over IMAP, wait for mail.</summary>
internal static class EndToEndMail
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(60);

    public static MimeMessage Message(string from, string to, string subject, string text = "Hello from an end-to-end test.") =>
        new(new[] { MailboxAddress.Parse(from) }, new[] { MailboxAddress.Parse(to) }, subject, new TextPart("plain") { Text = text });

    /// <summary>Sends over the MX (port 25 role, no authentication); the envelope is MAIL FROM <paramref name="mailFrom"/> and RCPT TO <paramref name="to"/> when given, else the header's.</summary>
    public static async Task SendOverMxAsync(this GatewayTestHost host, MimeMessage message, string? mailFrom = null, string? to = null)
    {
        using var smtp = new SmtpClient();
        await smtp.ConnectAsync("127.0.0.1", host.Port(ListenerNames.Mx), SecureSocketOptions.None);
        if (mailFrom is null && to is null)
        {
            await smtp.SendAsync(message);
        }
        else
        {
            await smtp.SendAsync(message, MailboxAddress.Parse(mailFrom ?? message.From.Mailboxes.First().Address), [MailboxAddress.Parse(to ?? message.To.Mailboxes.First().Address)]);
        }

        await smtp.DisconnectAsync(true);
    }

    /// <summary>Submits as <paramref name="user"/> over STARTTLS and AUTH.</summary>
    public static async Task SubmitAsync(this GatewayTestHost host, string user, string password, MimeMessage message)
    {
        using var smtp = new SmtpClient();
        smtp.ServerCertificateValidationCallback = (_, _, _, _) => true;
        await smtp.ConnectAsync("127.0.0.1", host.Port(ListenerNames.Submission), SecureSocketOptions.StartTls);
        await smtp.AuthenticateAsync(user, password);
        await smtp.SendAsync(message);
        await smtp.DisconnectAsync(true);
    }

    public static async Task<ImapClient> ConnectImapAsync(this GatewayTestHost host, string account, string password)
    {
        var imap = new ImapClient();
        await imap.ConnectAsync("127.0.0.1", host.Port(ListenerNames.Imap), SecureSocketOptions.None);
        await imap.AuthenticateAsync(account, password);
        return imap;
    }

    /// <summary>Waits (bounded) until the folder exists and holds at least <paramref name="count"/> messages, then checks it holds exactly that many.</summary>
    public static async Task<IMailFolder> WaitForFolderAsync(ImapClient imap, string name, int count)
    {
        var deadline = DateTime.UtcNow + WaitLimit;
        IMailFolder? folder = null;
        while (folder is null)
        {
            try
            {
                folder = name == "INBOX" ? imap.Inbox : await imap.GetFolderAsync(name);
            }
            catch (FolderNotFoundException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(250);
            }
        }

        return await WaitForCountAsync(imap, folder, count, deadline);
    }

    /// <summary>Opens the folder read-only (unless open) and waits (bounded) until it holds at least <paramref name="count"/> messages, then checks it holds exactly that many.</summary>
    public static Task<IMailFolder> WaitForCountAsync(ImapClient imap, IMailFolder folder, int count) =>
        WaitForCountAsync(imap, folder, count, DateTime.UtcNow + WaitLimit);

    private static async Task<IMailFolder> WaitForCountAsync(ImapClient imap, IMailFolder folder, int count, DateTime deadline)
    {
        if (!folder.IsOpen)
        {
            await folder.OpenAsync(FolderAccess.ReadOnly);
        }

        while (folder.Count < count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
            await imap.NoOpAsync();
        }

        Assert.Equal(count, folder.Count);
        return folder;
    }
}
