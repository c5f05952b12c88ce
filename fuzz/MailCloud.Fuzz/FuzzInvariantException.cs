namespace MailCloud.Fuzz;

/// <summary>A parser returned, but broke a property it promises (e.g. "feed it any split of the input"): a finding.</summary>
public sealed class FuzzInvariantException(string message) : Exception(message);
