using Azure.Data.Tables;

namespace MailCloud.Core.Tests.Mailboxes;

/// <summary>
/// Checks an account's rows straight from the table: each folder row's counts and sizes match
/// its message rows, UIDNEXT and HIGHESTMODSEQ lie above every row, the account row's usage is
/// the sum of its folders, every message row's blob exists (no ghost UIDs), every blob is
/// referenced by a row, and each folder row counts its expunge tombstones, none above its HIGHESTMODSEQ.
/// </summary>
internal static class MailboxConsistency
{
    /// <returns>HIGHESTMODSEQ per folder row key, to compare across changes.</returns>
    public static async Task<IReadOnlyDictionary<string, long>> AssertAsync(MailboxTestHarness harness, bool allowUnreferencedBlobs = false)
    {
        var rows = await harness.RowsAsync();
        var account = Assert.Single(rows, r => r.RowKey == "A");
        var folders = rows.Where(r => r.RowKey.StartsWith("F:", StringComparison.Ordinal)).ToList();
        var messages = rows.Where(r => r.RowKey.StartsWith("M:", StringComparison.Ordinal)).ToList();
        var tombstones = rows.Where(r => r.RowKey.StartsWith("V:", StringComparison.Ordinal)).ToList();
        var blobs = (await harness.BlobNamesAsync()).ToHashSet(StringComparer.Ordinal);
        var highest = new Dictionary<string, long>();
        foreach (var folder in folders)
        {
            var id = folder.RowKey[2..];
            var own = messages.Where(m => m.RowKey.StartsWith($"M:{id}:", StringComparison.Ordinal)).ToList();
            Assert.Equal(own.Count, folder.GetInt32("MessageCount"));
            Assert.Equal(own.Sum(m => m.GetInt64("Size") ?? 0), folder.GetInt64("TotalSize"));
            Assert.Equal(own.Count(m => ((m.GetInt32("Flags") ?? 0) & 1) == 0), folder.GetInt32("UnseenCount"));
            var uidNext = folder.GetInt64("UidNext") ?? 0;
            var modSeq = folder.GetInt64("HighestModSeq") ?? 0;
            Assert.All(own, m => Assert.True(long.Parse(m.RowKey[^10..], System.Globalization.CultureInfo.InvariantCulture) < uidNext, $"{m.RowKey} at or above UIDNEXT {uidNext}"));
            Assert.All(own, m => Assert.True(m.GetInt64("ModSeq") <= modSeq, $"{m.RowKey} above HIGHESTMODSEQ {modSeq}"));
            Assert.All(own, m => Assert.True(blobs.Contains(m.GetString("BlobName")), $"{m.RowKey} names a missing blob"));
            var ownTombstones = tombstones.Where(t => t.RowKey.StartsWith($"V:{id}:", StringComparison.Ordinal)).ToList();
            Assert.Equal(ownTombstones.Count, folder.GetInt32("TombstoneCount") ?? 0);
            Assert.All(ownTombstones, t => Assert.True(t.GetInt64("ModSeq") <= modSeq, $"{t.RowKey} above HIGHESTMODSEQ {modSeq}"));
            highest[folder.RowKey] = modSeq;
        }

        Assert.All(messages, m => Assert.Contains(folders, f => m.RowKey.StartsWith($"M:{f.RowKey[2..]}:", StringComparison.Ordinal)));
        Assert.All(tombstones, t => Assert.Contains(folders, f => t.RowKey.StartsWith($"V:{f.RowKey[2..]}:", StringComparison.Ordinal)));
        Assert.Equal(folders.Count, account.GetInt32("FolderCount"));
        Assert.Equal(messages.Count, account.GetInt64("MessageCount"));
        Assert.Equal(messages.Sum(m => m.GetInt64("Size") ?? 0), account.GetInt64("UsedBytes"));
        if (!allowUnreferencedBlobs)
        {
            Assert.Equal(blobs.Order(StringComparer.Ordinal), messages.Select(m => m.GetString("BlobName")).Order(StringComparer.Ordinal));
        }

        return highest;
    }
}
