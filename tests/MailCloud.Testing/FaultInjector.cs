using Azure.Core;
using Azure.Core.Pipeline;

namespace MailCloud.Testing;

/// <summary>
/// An Azure SDK pipeline policy that makes chosen storage requests fail, as a crashed process
/// or an outage would: before sending (the request never reaches Azurite) or after (Azurite
/// did the work, the caller never hears of it). Requests still go to real Azurite; nothing is mocked.
/// </summary>
public sealed class FaultInjector : HttpPipelinePolicy
{
    private int _seen;
    private int _failAt = -1;
    private bool _afterSending;

    /// <summary>While true, every request fails before it is sent (storage is down).</summary>
    public bool Outage { get; set; }

    /// <summary>Requests that passed through since the last <see cref="FailRequest"/>.</summary>
    public int Seen => Volatile.Read(ref _seen);

    /// <summary>Fails the request with this index (0 = the next one), once, before or after it is sent.</summary>
    public void FailRequest(int index, bool afterSending)
    {
        Volatile.Write(ref _seen, 0);
        _afterSending = afterSending;
        Volatile.Write(ref _failAt, index);
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        if (Outage)
        {
            throw new IOException($"injected outage: {message.Request.Method} {message.Request.Uri.Path}");
        }

        var index = Interlocked.Increment(ref _seen) - 1;
        var fail = index == Volatile.Read(ref _failAt) && Interlocked.CompareExchange(ref _failAt, -1, index) == index;
        if (fail && !_afterSending)
        {
            throw new IOException($"injected failure before request {index}: {message.Request.Method} {message.Request.Uri.Path}");
        }

        await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
        if (fail)
        {
            throw new IOException($"injected failure after request {index}: {message.Request.Method} {message.Request.Uri.Path}");
        }
    }
}
