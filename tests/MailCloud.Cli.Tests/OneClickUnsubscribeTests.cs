using System.Net;
using System.Net.Http.Headers;
using MailCloud.Core.Directory;
using MailCloud.Core.Lists;
using MailCloud.Core.Mailboxes;
using MailCloud.Gateway.Hosting;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace MailCloud.Cli.Tests;

/// <summary>
/// RFC 8058 one-click unsubscribe on the HTTP port of the host `mailcloud dev` runs, over a real socket: a GET
/// never unsubscribes, a POST does, and the member gets no more list mail (posted over SMTP submission).
/// </summary>
public sealed class OneClickUnsubscribeTests(DevHostFixture host) : IClassFixture<DevHostFixture>
{
    private const string List = "club@example.test";
    private const string Carol = "carol@example.test";
    private static readonly CancellationToken Ct = CancellationToken.None;

    [Fact]
    public async Task A_post_unsubscribes_and_the_member_receives_nothing_afterwards()
    {
        var directory = host.App.Services.GetRequiredService<IMailDirectory>();
        var carol = await directory.AddAccountAsync(Carol, "carol-pw", null, null, Ct);
        await directory.AddAccountAsync("dave@example.test", "dave-pw", null, null, Ct);
        await directory.AddListAsync(List, [DevHostFixture.Address, Carol, "dave@example.test"], PostingPolicy.Anyone, [], Ct);
        var alice = (await directory.GetSnapshotAsync(Ct)).FindAccount(DevHostFixture.Address)!;
        var links = host.App.Services.GetRequiredService<ListLinks>();
        var list = (await directory.GetSnapshotAsync(Ct)).FindList(List)!;
        var path = new Uri(links.UnsubscribeUrl(list, Carol)).PathAndQuery;

        await PostAsync("first");
        await WaitForAsync(alice.Id, 1);
        await WaitForAsync(carol.Id, 1);

        // A link scanner's GET (and HEAD) shows the form and changes nothing.
        using (var page = await host.Http.GetAsync(path))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
            var html = await page.Content.ReadAsStringAsync();
            Assert.Contains("<form method=\"post\">", html, StringComparison.Ordinal);
            Assert.Contains("name=\"List-Unsubscribe\" value=\"One-Click\"", html, StringComparison.Ordinal);
        }

        using (var head = await host.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, path)))
        {
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        }

        Assert.True((await directory.GetSnapshotAsync(Ct)).FindList(List)!.HasMember(Carol));

        // Wrong tokens, unknown lists and wrong bodies change nothing either, and say nothing.
        var badToken = path[..path.LastIndexOf('/')] + "/aaaaaaaaaaaaaaaa";
        var unknownList = path.Replace(Uri.EscapeDataString(List), Uri.EscapeDataString("nosuch@example.test"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, await OneClickAsync(badToken));
        Assert.Equal(HttpStatusCode.NotFound, await OneClickAsync(unknownList));
        Assert.Equal(HttpStatusCode.NotFound, await OneClickAsync(new Uri(links.UnsubscribeUrl(list, "stranger@remote.test")).PathAndQuery));
        using (var wrongBody = await host.Http.PostAsync(path, new FormUrlEncodedContent([new("List-Unsubscribe", "Yes")])))
        {
            Assert.Equal(HttpStatusCode.BadRequest, wrongBody.StatusCode);
        }

        Assert.Equal([DevHostFixture.Address, Carol, "dave@example.test"], (await directory.GetSnapshotAsync(Ct)).FindList(List)!.Members);

        // RFC 8058 §3.1: the receiver POSTs List-Unsubscribe=One-Click, form-urlencoded or multipart/form-data.
        Assert.Equal(HttpStatusCode.OK, await OneClickAsync(path));
        using (var multipart = new MultipartFormDataContent { { new StringContent("One-Click"), "List-Unsubscribe" } })
        using (var response = await host.Http.PostAsync(new Uri(links.UnsubscribeUrl(list, "dave@example.test")).PathAndQuery, multipart))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal([DevHostFixture.Address], (await directory.GetSnapshotAsync(Ct)).FindList(List)!.Members);
        Assert.Equal(HttpStatusCode.NotFound, await OneClickAsync(path));

        await PostAsync("second");
        await WaitForAsync(alice.Id, 2);
        var carolsMail = await host.App.Services.GetRequiredService<IMailboxStore>().GetSnapshotAsync(carol.Id, "INBOX", Ct);
        Assert.Single(carolsMail.Messages);
    }

    private async Task<HttpStatusCode> OneClickAsync(string path)
    {
        using var content = new StringContent("List-Unsubscribe=One-Click");
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
        using var response = await host.Http.PostAsync(path, content);
        return response.StatusCode;
    }

    private async Task PostAsync(string subject)
    {
        var submission = host.App.Services.GetRequiredService<BoundListeners>().EndPoint(ListenerNames.Submission);
        using var smtp = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true };
        await smtp.ConnectAsync(submission.Address.ToString(), submission.Port, SecureSocketOptions.StartTls);
        await smtp.AuthenticateAsync(DevHostFixture.Address, DevHostFixture.Password);
        var message = new MimeMessage { Subject = subject, Body = new TextPart("plain") { Text = "Hello, club." } };
        message.From.Add(MailboxAddress.Parse(DevHostFixture.Address));
        message.To.Add(MailboxAddress.Parse(List));
        await smtp.SendAsync(message);
        await smtp.DisconnectAsync(true);
    }

    private async Task WaitForAsync(string accountId, int count)
    {
        var mailboxes = host.App.Services.GetRequiredService<IMailboxStore>();
        var until = DateTimeOffset.UtcNow.AddSeconds(60);
        while ((await mailboxes.GetSnapshotAsync(accountId, "INBOX", Ct)).Messages.Count < count)
        {
            Assert.True(DateTimeOffset.UtcNow < until, $"{accountId} did not get {count} message(s) in time");
            await Task.Delay(100);
        }
    }
}
