namespace MailCloud.Core.Lists.Bounces;

/// <summary>The lists container could not be read or written (or other writers kept winning): a temporary condition, the stage retries.</summary>
public sealed class ListBounceStoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
