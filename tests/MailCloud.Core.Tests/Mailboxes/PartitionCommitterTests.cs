using Azure.Data.Tables;
using MailCloud.Core.Mailboxes;
using MailCloud.Core.Mailboxes.Tables;
using MailCloud.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace MailCloud.Core.Tests.Mailboxes;

/// <summary>Group commit on one account partition, against real Azurite: combining, and failures that stay with their change.</summary>
[Collection(AzuriteCollection.Name)]
public class PartitionCommitterTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Concurrent_changes_share_transactions_and_each_gets_its_own_result()
    {
        var (harness, committer, counter) = await CreateAsync();

        var changes = Enumerable.Range(0, 60).Select(i => committer.SubmitAsync(AddRow(harness.AccountId, $"r{i:D3}"))).ToList();
        var results = await Task.WhenAll(changes);

        var transactions = counter.Requests.Count(r => r.Contains("$batch", StringComparison.Ordinal));
        Assert.True(transactions < 60 / 2, $"{transactions} transactions for 60 changes");
        Assert.Equal(60, results.Distinct().Count());
        Assert.Equal(Enumerable.Range(1, 60).Select(i => (ulong)i + 1).Order(), results.Order());
        var rows = await harness.RowsAsync();
        Assert.Equal(60, rows.Count(r => r.RowKey.StartsWith("X:", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_change_that_throws_fails_alone_and_leaves_nothing_of_itself()
    {
        var (harness, committer, _) = await CreateAsync();

        var good = committer.SubmitAsync(AddRow(harness.AccountId, "good1"));
        var bad = committer.SubmitAsync(new PartitionChange<ulong>(batch =>
        {
            var inbox = batch.Touch(batch.Folder("INBOX"));
            inbox.HighestModSeq += 1000;
            batch.Add(TableTransactionActionType.Add, new TableEntity(harness.AccountId, "X:bad"));
            throw new MailboxQuotaExceededException(new QuotaUsage(1, 1), new MailboxQuota(3), 2, 1);
        }) { OwnRows = 1 });
        var alsoGood = committer.SubmitAsync(AddRow(harness.AccountId, "good2"));

        await Assert.ThrowsAsync<MailboxQuotaExceededException>(() => bad);
        Assert.Equal(2, Math.Abs((long)(await good) - (long)(await alsoGood)) + 1);
        var rows = await harness.RowsAsync();
        Assert.DoesNotContain(rows, r => r.RowKey == "X:bad");
        Assert.Equal(2, rows.Count(r => r.RowKey.StartsWith("X:good", StringComparison.Ordinal)));
        Assert.True(rows.Where(r => r.RowKey.StartsWith("F:", StringComparison.Ordinal)).All(f => f.GetInt64("HighestModSeq") < 1000));
    }

    [Fact]
    public async Task A_change_whose_own_row_is_refused_fails_alone_and_the_others_commit()
    {
        var (harness, committer, _) = await CreateAsync();
        await committer.SubmitAsync(AddRow(harness.AccountId, "taken"));

        var results = Enumerable.Range(0, 10)
            .Select(i => committer.SubmitAsync(AddRow(harness.AccountId, i == 5 ? "taken" : $"fresh{i}")))
            .ToList();

        var refused = await Assert.ThrowsAsync<RowConflictException>(() => results[5]);
        Assert.Equal(409, refused.Status);
        foreach (var result in results.Where((_, i) => i != 5))
        {
            await result;
        }

        Assert.Equal(9, (await harness.RowsAsync()).Count(r => r.RowKey.StartsWith("X:fresh", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Another_instance_committing_first_is_re_read_and_nothing_is_lost()
    {
        var (harness, first, _) = await CreateAsync();
        var second = new PartitionCommitter(harness.AccountId, new MailboxIndex(harness.Storage.MailboxIndex, TimeProvider.System), new MailboxStoreOptions(), NullLogger.Instance);
        await first.SubmitAsync(AddRow(harness.AccountId, "warm"));

        var results = await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            (i % 2 == 0 ? first : second).SubmitAsync(AddRow(harness.AccountId, $"race{i:D2}"))));

        Assert.Equal(40, results.Distinct().Count());
        var inbox = (await harness.RowsAsync()).Single(r => r.RowKey.StartsWith("F:", StringComparison.Ordinal) && r.GetString("Name") == "INBOX");
        Assert.Equal((long)results.Max(), inbox.GetInt64("HighestModSeq"));
    }

    /// <summary>A change that adds one row of its own and takes the next MODSEQ of INBOX.</summary>
    private static PartitionChange<ulong> AddRow(string accountId, string key) => new(batch =>
    {
        var inbox = batch.Touch(batch.Folder("INBOX"));
        batch.Add(TableTransactionActionType.Add, new TableEntity(accountId, "X:" + key));
        return ++inbox.HighestModSeq;
    })
    { OwnRows = 1, ConflictKeys = [key] };

    private async Task<(MailboxTestHarness Harness, PartitionCommitter Committer, RequestCounter Counter)> CreateAsync()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var counter = new RequestCounter();
        var options = new TableClientOptions();
        options.AddPolicy(counter, Azure.Core.HttpPipelinePosition.PerRetry);
        var table = new TableServiceClient(azurite.ConnectionString, options).GetTableClient(harness.Storage.MailboxIndex.Name);
        var committer = new PartitionCommitter(harness.AccountId, new MailboxIndex(table, TimeProvider.System), new MailboxStoreOptions(), NullLogger.Instance);
        return (harness, committer, counter);
    }
}
