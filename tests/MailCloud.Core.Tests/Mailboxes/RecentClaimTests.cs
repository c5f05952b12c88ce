using MailCloud.Core.Mailboxes;
using MailCloud.Testing;

namespace MailCloud.Core.Tests.Mailboxes;

/// <summary>
/// \Recent claims (RFC 3501 §2.3.2) against real Azurite: each message is claimed by exactly one
/// caller, whichever process it runs in, and a claim with nothing to claim writes nothing.
/// </summary>
[Collection(AzuriteCollection.Name)]
public class RecentClaimTests(AzuriteFixture azurite)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task A_claim_takes_what_no_one_claimed_and_a_stale_process_reads_again()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var gateway = harness.NewStore();
        var other = harness.NewStore();
        for (var i = 0; i < 3; i++)
        {
            await gateway.AppendAsync(harness.AccountId, "INBOX", MailboxTestHarness.Message($"m{i}"), MessageFlags.Empty, DateTimeOffset.UtcNow, null, None);
        }

        Assert.Equal(1u, (await gateway.GetStatusAsync(harness.AccountId, "INBOX", None)).FirstRecentUid);
        Assert.Equal(new RecentClaim(1, 4), await other.ClaimRecentAsync(harness.AccountId, "INBOX", 4, None));

        // The gateway's committer still holds the folder row from before the other process claimed.
        var token = await gateway.GetChangeTokenAsync(harness.AccountId, "INBOX", None);
        Assert.Equal(new RecentClaim(4, 4), await gateway.ClaimRecentAsync(harness.AccountId, "INBOX", 4, None));
        Assert.Equal(token, await gateway.GetChangeTokenAsync(harness.AccountId, "INBOX", None));

        // A delivery from the other process: the gateway's cached row has not seen it, the UIDNEXT it was told of has.
        await other.AppendAsync(harness.AccountId, "INBOX", MailboxTestHarness.Message("m3"), MessageFlags.Empty, DateTimeOffset.UtcNow, null, None);
        Assert.Equal(new RecentClaim(4, 5), await gateway.ClaimRecentAsync(harness.AccountId, "INBOX", 5, None));
        Assert.Equal(5u, (await other.GetStatusAsync(harness.AccountId, "INBOX", None)).FirstRecentUid);
    }

    [Fact]
    public async Task Concurrent_claims_from_several_processes_never_share_a_message()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var stores = Enumerable.Range(0, 3).Select(_ => harness.NewStore()).ToList();
        var claims = new List<RecentClaim>();
        for (var round = 0; round < 4; round++)
        {
            await stores[round % 3].AppendAsync(harness.AccountId, "INBOX", MailboxTestHarness.Message($"m{round}"), MessageFlags.Empty, DateTimeOffset.UtcNow, null, None);
            var uidNext = (await stores[0].GetStatusAsync(harness.AccountId, "INBOX", None)).UidNext;
            claims.AddRange(await Task.WhenAll(Enumerable.Range(0, 6).Select(i => stores[i % 3].ClaimRecentAsync(harness.AccountId, "INBOX", uidNext, None))));
        }

        // Every UID claimed once: the non-empty claims are disjoint and together cover 1..4.
        var claimed = claims.SelectMany(c => Enumerable.Range((int)c.First, (int)(c.End - c.First))).ToList();
        Assert.Equal([1, 2, 3, 4], claimed.Order());
    }
}
