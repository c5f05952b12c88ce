using MimeKit;

namespace MailCloud.Functions.Tests.Support;

/// <summary>Reads an RFC 3464 DSN the way a mail client would, failing the test when its structure is wrong.</summary>
public static class DsnAssert
{
    /// <summary>The per-recipient fields of a DSN that reports exactly one recipient.</summary>
    public static IReadOnlyDictionary<string, string> SingleRecipient(MimeMessage dsn)
    {
        var report = Assert.IsType<MultipartReport>(dsn.Body);
        Assert.Equal("delivery-status", report.ReportType);
        Assert.IsType<TextPart>(report[0]);
        var status = Assert.IsType<MessageDeliveryStatus>(report[1]);
        // MimeKit reads the blank line that ends the last group as one more, empty group.
        var groups = status.StatusGroups.Where(g => g.Count > 0).ToList();
        Assert.Equal(2, groups.Count);
        Assert.StartsWith("dns;", groups[0]["Reporting-MTA"]);
        return groups[1].ToDictionary(h => h.Field, h => h.Value.Trim(), StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Waits for the one DSN in the account's INBOX, checks that it reports one recipient failed with
    /// <paramref name="status"/>, and that no second one follows once the pipeline has settled.
    /// </summary>
    public static async Task<(MimeMessage Dsn, IReadOnlyDictionary<string, string> Fields)> SingleFailureAsync(PipelineTestHost host, string accountId, string status)
    {
        var dsn = Assert.Single(await host.WaitForInboxAsync(accountId));
        var fields = SingleRecipient(dsn);
        Assert.Equal("failed", fields["Action"]);
        Assert.Equal(status, fields["Status"]);
        await host.WaitForIdleAsync();
        Assert.Single(await host.ReadInboxAsync(accountId));
        return (dsn, fields);
    }
}
