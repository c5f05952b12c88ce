using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using MailCloud.Core.Configuration;

namespace MailCloud.Core.Lists.State;

/// <summary>
/// Held posts in the lists container: <c>&lt;list key&gt;/held/&lt;id&gt;.eml</c> (the post's bytes, kept here and
/// not in the spool, whose sweep deletes by age) and <c>&lt;id&gt;.json</c> (<see cref="HeldPost"/>). Both are
/// created once (If-None-Match: *), so holding again on a retry changes nothing; a decision is written If-Match
/// the version read.
/// </summary>
public sealed class HeldPostStore(StorageClients storage)
{
    private const string Segment = "/held/";
    private const int MaxDecisionAttempts = 5;


    private readonly BlobContainerClient _container = storage.Lists;

    /// <summary>Holds a post: its bytes from <paramref name="openContent"/>, then its record. Returns the record stored (the first one, on a retry).</summary>
    public Task<HeldPost> HoldAsync(HeldPost post, Func<CancellationToken, Task<Stream>> openContent, CancellationToken cancellationToken) =>
        ListStorage.TranslateAsync(async () =>
        {
            var content = Blob(post.List, post.Id, "eml");
            if (!(await content.ExistsAsync(cancellationToken).ConfigureAwait(false)).Value)
            {
                await using var source = await openContent(cancellationToken).ConfigureAwait(false);
                try
                {
                    await content.UploadAsync(source, new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All }, HttpHeaders = new BlobHttpHeaders { ContentType = "message/rfc822" } }, cancellationToken).ConfigureAwait(false);
                }
                catch (RequestFailedException e) when (e.Status is 409 or 412)
                {
                    // Held by a run of Route that raced this one.
                }
            }

            try
            {
                await Blob(post.List, post.Id, "json").UploadAsync(BinaryData.FromObjectAsJson(post, ListStorage.Json), new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, cancellationToken).ConfigureAwait(false);
                return post;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412)
            {
                return (await ReadAsync(post.List, post.Id, cancellationToken).ConfigureAwait(false))?.Post ?? post;
            }
        });

    public async Task<HeldPost?> GetAsync(string list, string id, CancellationToken cancellationToken) =>
        IsId(id) ? (await ListStorage.TranslateAsync(() => ReadAsync(list, id, cancellationToken)).ConfigureAwait(false))?.Post : null;

    /// <summary>The posts <paramref name="list"/> holds, oldest first.</summary>
    public Task<IReadOnlyList<HeldPost>> ListAsync(string list, CancellationToken cancellationToken) =>
        ListStorage.TranslateAsync(() => ReadAllAsync(ListStateKey.For(list) + Segment, cancellationToken));

    /// <summary>The posts of every list held before <paramref name="before"/>, for the expiry sweep.</summary>
    public Task<IReadOnlyList<HeldPost>> ListHeldBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        ListStorage.TranslateAsync(async () =>
        {
            var names = new List<string>();
            await foreach (var blob in _container.GetBlobsAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                if (blob.Name.Contains(Segment, StringComparison.Ordinal) && blob.Name.EndsWith(".json", StringComparison.Ordinal) && blob.Properties.CreatedOn < before)
                {
                    names.Add(blob.Name);
                }
            }

            var posts = new List<HeldPost>();
            foreach (var name in names)
            {
                if (await ReadBlobAsync(_container.GetBlobClient(name), cancellationToken).ConfigureAwait(false) is { } read && read.Post.HeldAt < before)
                {
                    posts.Add(read.Post);
                }
            }

            return (IReadOnlyList<HeldPost>)posts;
        });

    /// <summary>The post's bytes as it arrived.</summary>
    public Task<Stream> OpenContentAsync(HeldPost post, CancellationToken cancellationToken) =>
        ListStorage.TranslateAsync(async () => await Blob(post.List, post.Id, "eml").OpenReadAsync(cancellationToken: cancellationToken).ConfigureAwait(false));

    /// <summary>Records <paramref name="decision"/> unless another one was recorded first.</summary>
    public Task<(DecisionOutcome Outcome, HeldPost? Post)> DecideAsync(string list, string id, ModerationDecision decision, CancellationToken cancellationToken)
    {
        if (!IsId(id))
        {
            return Task.FromResult<(DecisionOutcome, HeldPost?)>((DecisionOutcome.Missing, null));
        }

        return ListStorage.TranslateAsync<(DecisionOutcome, HeldPost?)>(async () =>
        {
            for (var attempt = 0; attempt < MaxDecisionAttempts; attempt++)
            {
                if (await ReadAsync(list, id, cancellationToken).ConfigureAwait(false) is not { } read)
                {
                    return (DecisionOutcome.Missing, null);
                }

                if (read.Post.Decision is { } taken)
                {
                    return (taken == decision ? DecisionOutcome.Decided : DecisionOutcome.DecidedOtherwise, read.Post);
                }

                var decided = read.Post with { Decision = decision };
                try
                {
                    await Blob(list, id, "json").UploadAsync(BinaryData.FromObjectAsJson(decided, ListStorage.Json), new BlobUploadOptions { Conditions = new BlobRequestConditions { IfMatch = read.Version } }, cancellationToken).ConfigureAwait(false);
                    return (DecisionOutcome.Decided, decided);
                }
                catch (RequestFailedException e) when (e.Status is 409 or 412)
                {
                    // Someone decided meanwhile: read what.
                }
            }

            throw new ListStateException($"Held post {id} kept changing while being decided.");
        });
    }

    /// <summary>Deletes a decided post (record first: a post without bytes must never be listed).</summary>
    public Task RemoveAsync(HeldPost post, CancellationToken cancellationToken) =>
        ListStorage.TranslateAsync(async () =>
        {
            await Blob(post.List, post.Id, "json").DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await Blob(post.List, post.Id, "eml").DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return true;
        });

    /// <summary>Held post ids are hex digests (see the moderator); anything else names nothing.</summary>
    public static bool IsId(string id) => id.Length is >= 8 and <= 64 && id.All(char.IsAsciiHexDigitLower);

    private async Task<IReadOnlyList<HeldPost>> ReadAllAsync(string prefix, CancellationToken cancellationToken)
    {
        var posts = new List<HeldPost>();
        await foreach (var blob in _container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken).ConfigureAwait(false))
        {
            if (blob.Name.EndsWith(".json", StringComparison.Ordinal) && await ReadBlobAsync(_container.GetBlobClient(blob.Name), cancellationToken).ConfigureAwait(false) is { } read)
            {
                posts.Add(read.Post);
            }
        }

        return [.. posts.OrderBy(p => p.HeldAt)];
    }

    private Task<(HeldPost Post, ETag Version)?> ReadAsync(string list, string id, CancellationToken cancellationToken) =>
        ReadBlobAsync(Blob(list, id, "json"), cancellationToken);

    private static async Task<(HeldPost Post, ETag Version)?> ReadBlobAsync(BlobClient blob, CancellationToken cancellationToken)
    {
        try
        {
            var download = await blob.DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            return download.Value.Content.ToObjectFromJson<HeldPost>(ListStorage.Json) is { } post ? (post, download.Value.Details.ETag) : null;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private BlobClient Blob(string list, string id, string extension) => _container.GetBlobClient($"{ListStateKey.For(list)}{Segment}{id}.{extension}");
}
