using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;

namespace MailCloud.Testing;

/// <summary>
/// An Azure SDK pipeline policy that counts every storage request (retries included) by
/// method, so tests can assert how many operations something costs.
/// </summary>
public sealed class RequestCounter : HttpPipelineSynchronousPolicy
{
    private readonly ConcurrentQueue<string> _requests = new();

    public int Count => _requests.Count;

    /// <summary>The requests seen, as "METHOD path?query".</summary>
    public IReadOnlyList<string> Requests => [.. _requests];

    public void Reset() => _requests.Clear();

    public override void OnSendingRequest(HttpMessage message)
    {
        _requests.Enqueue($"{message.Request.Method} {message.Request.Uri.Path}{message.Request.Uri.Query}");
    }
}
