using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;

namespace MailCloud.Testing;

/// <summary>
/// A storage outage on chosen blob containers, switched on and off by the test: while
/// <see cref="IsDown"/>, every request to them fails the way an unreachable endpoint does (a
/// transport error, retried by the SDK and then given up). Other containers keep working.
/// </summary>
public sealed class StorageOutage(params string[] containers) : HttpPipelineSynchronousPolicy
{
    private readonly HashSet<string> _containers = new(containers, StringComparer.Ordinal);
    private int _failed;

    public bool IsDown { get; set; }

    /// <summary>Requests refused so far: proof that the code under test really asked storage.</summary>
    public int FailedRequests => Volatile.Read(ref _failed);

    /// <summary>Blob client options carrying this policy, with quick retries so a test does not wait out real backoff.</summary>
    public BlobClientOptions BlobClientOptions()
    {
        var options = new BlobClientOptions();
        options.Retry.MaxRetries = 2;
        options.Retry.Delay = TimeSpan.FromMilliseconds(10);
        options.Retry.MaxDelay = TimeSpan.FromMilliseconds(50);
        options.AddPolicy(this, HttpPipelinePosition.PerRetry);
        return options;
    }

    /// <summary>Adds a container to those the outage hits (before requests flow: not thread-safe).</summary>
    public void Include(string container) => _containers.Add(container);

    public override void OnSendingRequest(HttpMessage message)
    {
        var segments = message.Request.Uri.Path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (IsDown && segments.Any(_containers.Contains))
        {
            Interlocked.Increment(ref _failed);
            throw new RequestFailedException(0, "Connection refused (simulated storage outage)");
        }
    }
}
