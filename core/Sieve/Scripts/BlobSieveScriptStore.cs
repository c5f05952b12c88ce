using System.Net;
using System.Text;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using MailCloud.Core.Configuration;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Sieve.Scripts;

/// <summary>
/// The script store in the Sieve container: <c>accounts/&lt;account id&gt;.json</c> per account (see
/// <see cref="SieveAccountDocument"/>), changed by compare-and-swap on its ETag (If-Match, or If-None-Match: *
/// for the first write) and retried on a lost race; <c>global/&lt;escaped name&gt;.sieve</c> for the scripts
/// <c>include :global</c> reads, written only by the CLI. Storage failures leave as
/// <see cref="SieveScriptStoreUnavailableException"/>: SDK types stay in here.
/// </summary>
public sealed class BlobSieveScriptStore(StorageClients storage, IOptions<SieveScriptOptions> options, TimeProvider time) : ISieveScriptStore
{
    private const string GlobalPrefix = "global/";

    private readonly BlobContainerClient _container = storage.Sieve;
    private readonly SieveScriptOptions _options = options.Value;

    public async Task<IReadOnlyList<SieveScriptEntry>> ListAsync(string accountId, CancellationToken cancellationToken)
    {
        var (document, _) = await ReadAsync(accountId, cancellationToken).ConfigureAwait(false);
        return [.. document.Scripts.Select(s => new SieveScriptEntry(s.Name, string.Equals(s.Name, document.Active, StringComparison.Ordinal)))];
    }

    public async Task<SieveScript?> GetAsync(string accountId, string name, CancellationToken cancellationToken)
    {
        var (document, _) = await ReadAsync(accountId, cancellationToken).ConfigureAwait(false);
        return document.Find(name) is { } script ? new SieveScript(script.Name, script.Content) : null;
    }

    public async Task<SieveScript?> GetActiveAsync(string accountId, CancellationToken cancellationToken)
    {
        var (document, _) = await ReadAsync(accountId, cancellationToken).ConfigureAwait(false);
        return document.Active is { } active && document.Find(active) is { } script ? new SieveScript(script.Name, script.Content) : null;
    }

    public async Task<SieveScript?> GetPreviousAsync(string accountId, string name, CancellationToken cancellationToken)
    {
        var (document, _) = await ReadAsync(accountId, cancellationToken).ConfigureAwait(false);
        return document.Find(name) is { Previous: { } previous } script ? new SieveScript(script.Name, previous) : null;
    }

    public async Task<SieveScript?> GetGlobalAsync(string name, CancellationToken cancellationToken)
    {
        if (SieveScriptName.Validate(name, _options.MaxNameLength) is not null)
        {
            return null;
        }

        return await TranslateFailuresAsync("read", GlobalBlobName(name), async () =>
        {
            try
            {
                var download = await _container.GetBlobClient(GlobalBlobName(name)).DownloadContentAsync(cancellationToken).ConfigureAwait(false);
                return new SieveScript(name, download.Value.Content.ToString());
            }
            catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.BlobNotFound || e.ErrorCode == BlobErrorCode.ContainerNotFound)
            {
                return null;
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<SieveRefusal?> HaveSpaceAsync(string accountId, string name, long size, CancellationToken cancellationToken)
    {
        if (SieveScriptName.Validate(name, _options.MaxNameLength) is not null)
        {
            return SieveRefusal.InvalidName;
        }

        if (size > _options.MaxScriptSize)
        {
            return SieveRefusal.MaxSize;
        }

        var (document, _) = await ReadAsync(accountId, cancellationToken).ConfigureAwait(false);
        return document.Find(name) is null && document.Scripts.Count >= _options.MaxScriptsPerAccount ? SieveRefusal.MaxScripts : null;
    }

    public Task PutAsync(string accountId, string name, string content, CancellationToken cancellationToken)
    {
        RequireValidName(name);
        var size = Encoding.UTF8.GetByteCount(content);
        if (size > _options.MaxScriptSize)
        {
            throw new SieveScriptRefusedException(SieveRefusal.MaxSize, $"The script is {size} octets; at most {_options.MaxScriptSize} are allowed.");
        }

        return ChangeAsync(accountId, document =>
        {
            var now = time.GetUtcNow();
            if (document.Find(name) is { } existing)
            {
                // Replacing keeps what it replaced, so a bad upload can be undone (docs/architecture.md, Sieve).
                var replaced = existing with { Content = content, Previous = existing.Content, ModifiedAt = now };
                return document with { Scripts = [.. document.Scripts.Select(s => ReferenceEquals(s, existing) ? replaced : s)] };
            }

            if (document.Scripts.Count >= _options.MaxScriptsPerAccount)
            {
                throw new SieveScriptRefusedException(SieveRefusal.MaxScripts, $"The account already has {document.Scripts.Count} scripts; at most {_options.MaxScriptsPerAccount} are allowed.");
            }

            return document with { Scripts = [.. document.Scripts, new StoredSieveScript(name, content, null, now)] };
        }, cancellationToken);
    }

    public Task SetActiveAsync(string accountId, string? name, CancellationToken cancellationToken) =>
        ChangeAsync(accountId, document =>
        {
            if (string.IsNullOrEmpty(name))
            {
                return document.Active is null ? null : document with { Active = null };
            }

            var script = document.Find(name) ?? throw NonExistent(name);
            return string.Equals(document.Active, script.Name, StringComparison.Ordinal) ? null : document with { Active = script.Name };
        }, cancellationToken);

    public Task DeleteAsync(string accountId, string name, CancellationToken cancellationToken) =>
        ChangeAsync(accountId, document =>
        {
            var script = document.Find(name) ?? throw NonExistent(name);
            if (string.Equals(document.Active, script.Name, StringComparison.Ordinal))
            {
                // RFC 5804 §2.10: the active script cannot be deleted.
                throw new SieveScriptRefusedException(SieveRefusal.Active, $"'{name}' is the active script; deactivate it first.");
            }

            return document with { Scripts = [.. document.Scripts.Where(s => !ReferenceEquals(s, script))] };
        }, cancellationToken);

    public Task RenameAsync(string accountId, string oldName, string newName, CancellationToken cancellationToken)
    {
        RequireValidName(newName);
        return ChangeAsync(accountId, document =>
        {
            // RFC 5804 §2.11.1: NONEXISTENT for a missing old name, ALREADYEXISTS for a taken new one.
            var script = document.Find(oldName) ?? throw NonExistent(oldName);
            if (document.Find(newName) is not null)
            {
                throw new SieveScriptRefusedException(SieveRefusal.AlreadyExists, $"A script named '{newName}' already exists.");
            }

            var renamed = script with { Name = newName };
            return document with
            {
                Active = string.Equals(document.Active, oldName, StringComparison.Ordinal) ? newName : document.Active,
                Scripts = [.. document.Scripts.Select(s => ReferenceEquals(s, script) ? renamed : s)],
            };
        }, cancellationToken);
    }

    /// <summary>The global scripts' names (the CLI's view).</summary>
    public Task<IReadOnlyList<string>> ListGlobalAsync(CancellationToken cancellationToken) =>
        TranslateFailuresAsync<IReadOnlyList<string>>("list", GlobalPrefix, async () =>
        {
            var names = new List<string>();
            try
            {
                await foreach (var blob in _container.GetBlobsAsync(new GetBlobsOptions { Prefix = GlobalPrefix }, cancellationToken).ConfigureAwait(false))
                {
                    names.Add(Uri.UnescapeDataString(blob.Name[GlobalPrefix.Length..^".sieve".Length]));
                }
            }
            catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.ContainerNotFound)
            {
                return [];
            }

            return names;
        }, cancellationToken);

    /// <summary>Creates or replaces a global script (CLI only: ManageSieve manages an account's own scripts).</summary>
    public Task PutGlobalAsync(string name, string content, CancellationToken cancellationToken)
    {
        RequireValidName(name);
        if (Encoding.UTF8.GetByteCount(content) > _options.MaxScriptSize)
        {
            throw new SieveScriptRefusedException(SieveRefusal.MaxSize, $"The script is larger than {_options.MaxScriptSize} octets.");
        }

        return TranslateFailuresAsync("write", GlobalBlobName(name), async () =>
        {
            await _container.GetBlobClient(GlobalBlobName(name)).UploadAsync(
                BinaryData.FromString(content),
                new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/sieve; charset=utf-8" } },
                cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    /// <summary>Deletes a global script; false when there was none.</summary>
    public Task<bool> DeleteGlobalAsync(string name, CancellationToken cancellationToken)
    {
        RequireValidName(name);
        return TranslateFailuresAsync("delete", GlobalBlobName(name), async () =>
            (await _container.GetBlobClient(GlobalBlobName(name)).DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value,
            cancellationToken);
    }

    private static string AccountBlobName(string accountId)
    {
        // Account ids are the directory's own (hex GUIDs); anything else must not become a path.
        if (accountId.Length is 0 or > 64 || !accountId.All(char.IsAsciiLetterOrDigit))
        {
            throw new ArgumentException("Not an account id.", nameof(accountId));
        }

        return $"accounts/{accountId}.json";
    }

    private static string GlobalBlobName(string name) => $"{GlobalPrefix}{Uri.EscapeDataString(name)}.sieve";

    private static SieveScriptRefusedException NonExistent(string name) => new(SieveRefusal.NonExistent, $"There is no script named '{name}'.");

    private void RequireValidName(string name)
    {
        if (SieveScriptName.Validate(name, _options.MaxNameLength) is { } problem)
        {
            throw new SieveScriptRefusedException(SieveRefusal.InvalidName, problem);
        }
    }

    private Task<(SieveAccountDocument Document, ETag? Version)> ReadAsync(string accountId, CancellationToken cancellationToken)
    {
        var blobName = AccountBlobName(accountId);
        return TranslateFailuresAsync<(SieveAccountDocument, ETag?)>("read", blobName, async () =>
        {
            try
            {
                var download = await _container.GetBlobClient(blobName).DownloadContentAsync(cancellationToken).ConfigureAwait(false);
                return (SieveAccountDocument.Deserialize(download.Value.Content), download.Value.Details.ETag);
            }
            catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.BlobNotFound || e.ErrorCode == BlobErrorCode.ContainerNotFound)
            {
                return (SieveAccountDocument.Empty, null);
            }
        }, cancellationToken);
    }

    /// <summary>
    /// Read, change, write If-Match the version read; on a lost race read again. <paramref name="change"/> returns
    /// null when there is nothing to write, or throws <see cref="SieveScriptRefusedException"/>.
    /// </summary>
    private async Task ChangeAsync(string accountId, Func<SieveAccountDocument, SieveAccountDocument?> change, CancellationToken cancellationToken)
    {
        var blobName = AccountBlobName(accountId);
        for (var attempt = 0; attempt < _options.MaxWriteAttempts; attempt++)
        {
            var (document, version) = await ReadAsync(accountId, cancellationToken).ConfigureAwait(false);
            if (change(document) is not { } changed)
            {
                return;
            }

            var written = await TranslateFailuresAsync("write", blobName, async () =>
            {
                var upload = new BlobUploadOptions
                {
                    Conditions = version is { } etag ? new BlobRequestConditions { IfMatch = etag } : new BlobRequestConditions { IfNoneMatch = ETag.All },
                    HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
                };
                try
                {
                    await _container.GetBlobClient(blobName).UploadAsync(changed.Serialize(), upload, cancellationToken).ConfigureAwait(false);
                    return true;
                }
                catch (RequestFailedException e) when (e.Status is (int)HttpStatusCode.PreconditionFailed or (int)HttpStatusCode.Conflict)
                {
                    return false;
                }
            }, cancellationToken).ConfigureAwait(false);
            if (written)
            {
                return;
            }
        }

        throw new SieveScriptStoreUnavailableException($"Other writers kept changing {blobName}; gave up after {_options.MaxWriteAttempts} attempts.");
    }

    /// <summary>
    /// What the SDK throws when storage is down or refuses us: an error response, a transport failure
    /// (status 0), an <see cref="AggregateException"/> once retries are spent, or a network timeout.
    /// </summary>
    private async Task<T> TranslateFailuresAsync<T>(string operation, string blobName, Func<Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (RequestFailedException e)
        {
            throw Unavailable(operation, blobName, $"status {e.Status} {e.ErrorCode}".TrimEnd(), e);
        }
        catch (AggregateException e) when (e.InnerExceptions.All(i => i is RequestFailedException or IOException or OperationCanceledException))
        {
            throw Unavailable(operation, blobName, e.InnerExceptions[^1].Message, e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw Unavailable(operation, blobName, "timed out", e);
        }
    }

    private SieveScriptStoreUnavailableException Unavailable(string operation, string blobName, string reason, Exception inner) =>
        new($"Could not {operation} {_container.Name}/{blobName}: {reason}.", inner);
}
