using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace MailCloud.Core.Mailboxes.Blobs;

/// <summary>A document read together with the ETag it had, for compare-and-swap.</summary>
internal sealed record Versioned<T>(T Value, ETag ETag);

/// <summary>
/// A small JSON document in one blob, changed only by compare-and-swap on its ETag
/// (If-Match; If-None-Match: * while it does not exist yet).
/// </summary>
internal sealed class JsonBlob<T>(BlobClient blob, JsonTypeInfo<T> typeInfo)
    where T : class
{
    private const int MaxBackoffMilliseconds = 50;

    public BlobClient Blob { get; } = blob;

    /// <summary>The document and its ETag, or null when the blob does not exist.</summary>
    public async Task<Versioned<T>?> ReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            var response = await Blob.DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            var value = JsonSerializer.Deserialize(response.Value.Content.ToMemory().Span, typeInfo)
                ?? throw new InvalidDataException($"Blob '{Blob.Name}' holds an empty document.");
            return new Versioned<T>(value, response.Value.Details.ETag);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    /// <summary>
    /// Writes <paramref name="value"/> if the blob still has <paramref name="expected"/> (null: if
    /// it does not exist). Returns the new ETag, or null when someone else wrote first.
    /// </summary>
    public async Task<ETag?> TryWriteAsync(T value, ETag? expected, CancellationToken cancellationToken)
    {
        var options = new BlobUploadOptions
        {
            Conditions = expected is { } etag ? new BlobRequestConditions { IfMatch = etag } : new BlobRequestConditions { IfNoneMatch = ETag.All },
            HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
        };
        try
        {
            var response = await Blob.UploadAsync(BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(value, typeInfo)), options, cancellationToken).ConfigureAwait(false);
            return response.Value.ETag;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return null;
        }
    }

    /// <summary>
    /// Read-modify-write until the write wins. <paramref name="change"/> gets the current document
    /// (null if none) and returns the next one, or null to leave it as it is; it may run several
    /// times, so it must have no side effects. With <paramref name="assumed"/> (a version seen
    /// earlier) the first attempt skips the read and lets the ETag check catch a stale guess.
    /// Returns the change's result and the document as it stands after the call.
    /// </summary>
    public async Task<(TResult Result, Versioned<T>? Document)> UpdateAsync<TResult>(
        Func<T?, (T? Next, TResult Result)> change,
        CancellationToken cancellationToken,
        Versioned<T>? assumed = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            var current = attempt == 1 && assumed is not null ? assumed : await ReadAsync(cancellationToken).ConfigureAwait(false);
            var (next, result) = change(current?.Value);
            if (next is null)
            {
                if (attempt == 1 && assumed is not null)
                {
                    // Nothing to write judged on a guess: decide again on the real document.
                    continue;
                }

                return (result, current);
            }

            if (await TryWriteAsync(next, current?.ETag, cancellationToken).ConfigureAwait(false) is { } written)
            {
                return (result, new Versioned<T>(next, written));
            }

            if (attempt > 1 || assumed is null)
            {
                // Lost a real race: back off a little (jittered, growing) so contenders spread out.
                await Task.Delay(Random.Shared.Next(0, Math.Min(MaxBackoffMilliseconds, attempt * 5) + 1), cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
