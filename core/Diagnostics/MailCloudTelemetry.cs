using System.Diagnostics;

namespace MailCloud.Core.Diagnostics;

/// <summary>
/// The one ActivitySource of MailCloud. A message's trace starts when SMTP accepts it; the
/// W3C trace parent travels in <see cref="Queueing.MessageEnvelope.TraceParent"/> so every
/// pipeline stage, in whichever process or Function instance, continues the same trace.
/// </summary>
public static class MailCloudTelemetry
{
    public const string SourceName = "MailCloud";

    public static ActivitySource Source { get; } = new(SourceName);

    /// <summary>Starts a stage activity as a child of the trace carried by an envelope.</summary>
    public static Activity? StartFromEnvelope(string name, string? traceParent, ActivityKind kind = ActivityKind.Consumer) =>
        ActivityContext.TryParse(traceParent, null, out var parent)
            ? Source.StartActivity(name, kind, parent)
            : Source.StartActivity(name, kind);
}
