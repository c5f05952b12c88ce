using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using MailCloud.Core.Configuration;
using MailCloud.Core.Pipeline.State;

namespace MailCloud.Core.Lists.State;

/// <summary>
/// One-time requests in the lists container: <c>&lt;list key&gt;/pending/&lt;token&gt;.json</c>, and beside it
/// <c>pending/origin/&lt;hash&gt;</c>, which remembers the token a request was given for what caused it (a message
/// and an action), so Route running again reuses the token instead of minting a second one. Every blob carries
/// its expiry in metadata, so the sweep needs no reads. A token is taken by a delete conditional on the version
/// read: of two replies that race, one takes it.
/// </summary>
public sealed class PendingRequestStore(StorageClients storage, TimeProvider time)
{
    private const string ExpiresKey = "expires";
    private const string Segment = "/pending/";


    private readonly BlobContainerClient _container = storage.Lists;

    /// <summary>The token for the request <paramref name="origin"/> names: minted once, then the same on every retry.</summary>
    public Task<string> TokenForAsync(string list, string origin, DateTimeOffset expiresAt, CancellationToken cancellationToken) =>
        ListStorage.TranslateAsync(async () =>
        {
            var blob = _container.GetBlobClient($"{ListStateKey.For(list)}{Segment}origin/{PipelineMarkers.Hash(origin)}");
            var token = ListTokens.NewOneTimeToken();
            try
            {
                await blob.UploadAsync(BinaryData.FromString(token), CreateOnly(expiresAt), cancellationToken).ConfigureAwait(false);
                return token;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412)
            {
                return (await blob.DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value.Content.ToString();
            }
        });

    /// <summary>Stores <paramref name="request"/> unless it is there already.</summary>
    public Task EnsureAsync(PendingRequest request, CancellationToken cancellationToken) =>
        ListStorage.TranslateAsync(async () =>
        {
            try
            {
                await Blob(request.List, request.Token).UploadAsync(BinaryData.FromObjectAsJson(request, ListStorage.Json), CreateOnly(request.ExpiresAt), cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412)
            {
                // A retry: the request of the first run stands.
            }

            return true;
        });

    /// <summary>The live request <paramref name="token"/> stands for, with the version to take it by; null when unknown, taken or expired.</summary>
    public Task<PendingTake?> FindAsync(string list, string token, CancellationToken cancellationToken)
    {
        if (!ListTokens.IsWellFormed(token))
        {
            return Task.FromResult<PendingTake?>(null);
        }

        return ListStorage.TranslateAsync(async () =>
        {
            try
            {
                var download = await Blob(list, token).DownloadContentAsync(cancellationToken).ConfigureAwait(false);
                var request = download.Value.Content.ToObjectFromJson<PendingRequest>(ListStorage.Json);
                return request is null || request.ExpiresAt <= time.GetUtcNow() || !string.Equals(request.Token, token, StringComparison.OrdinalIgnoreCase)
                    ? null
                    : new PendingTake(request, download.Value.Details.ETag.ToString());
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                return null;
            }
            catch (JsonException)
            {
                return null;
            }
        });
    }

    /// <summary>Takes the request: deletes it if it is still the version read. False when another reply took it first.</summary>
    public Task<bool> TakeAsync(PendingTake take, CancellationToken cancellationToken) =>
        ListStorage.TranslateAsync(async () =>
        {
            try
            {
                await Blob(take.Request.List, take.Request.Token).DeleteAsync(DeleteSnapshotsOption.None, new BlobRequestConditions { IfMatch = new ETag(take.Version) }, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (RequestFailedException e) when (e.Status is 404 or 412)
            {
                return false;
            }
        });

    /// <summary>Voids a token (the other answer of a decision, or a held post's tokens once it is decided).</summary>
    public Task RemoveAsync(string list, string token, CancellationToken cancellationToken) =>
        ListTokens.IsWellFormed(token)
            ? ListStorage.TranslateAsync(async () => (await Blob(list, token).DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value)
            : Task.CompletedTask;

    /// <summary>Deletes every request and origin record whose expiry has passed. Returns how many.</summary>
    public Task<int> SweepAsync(CancellationToken cancellationToken) =>
        ListStorage.TranslateAsync(async () =>
        {
            var now = time.GetUtcNow();
            var deleted = 0;
            await foreach (var blob in _container.GetBlobsAsync(new GetBlobsOptions { Traits = BlobTraits.Metadata }, cancellationToken).ConfigureAwait(false))
            {
                if (blob.Name.Contains(Segment, StringComparison.Ordinal)
                    && blob.Metadata.TryGetValue(ExpiresKey, out var expires)
                    && DateTimeOffset.TryParse(expires, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at)
                    && at <= now)
                {
                    await _container.DeleteBlobIfExistsAsync(blob.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
                    deleted++;
                }
            }

            return deleted;
        });

    private BlobClient Blob(string list, string token) => _container.GetBlobClient($"{ListStateKey.For(list)}{Segment}{token.ToLowerInvariant()}.json");

    private static BlobUploadOptions CreateOnly(DateTimeOffset expiresAt) => new()
    {
        Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
        Metadata = new Dictionary<string, string> { [ExpiresKey] = expiresAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture) },
    };
}

/// <summary>A request found, and the blob version a take must match.</summary>
public sealed record PendingTake(PendingRequest Request, string Version);
